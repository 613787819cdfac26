/**
 * Presigned part URLs, signed in batches and kept until used. A URL is bound to the checksum it was
 * signed with, and counts as usable only while it is further than the margin from expiry. Expiry
 * is counted on this page's clock, from when the signing call was made plus the lifetime the
 * server gives (`expiresInMs`): a browser clock that is off by hours neither makes every fresh
 * URL look expired nor an expired one look fresh.
 */
import type { SignedPartUrl } from "./uploadBackend";
import { UploadError } from "./uploadError";

/** A part and the CRC32C its URL must be signed with. */
export interface PartUrlNeed {
  partNumber: number;
  checksum: string;
}

interface SignedEntry {
  checksum: string;
  url: SignedPartUrl;
  /** On this page's clock: when the signing call was made, and that plus the URL's lifetime. */
  requestedAt: number;
  expiresAt: number;
}

interface SigningEntry {
  checksum: string;
  url: Promise<SignedPartUrl>;
}

export class PartUrlCache {
  private readonly signed = new Map<number, SignedEntry>();
  private readonly signing = new Map<number, SigningEntry>();

  constructor(
    private readonly signUrls: (needs: PartUrlNeed[]) => Promise<SignedPartUrl[]>,
    private readonly now: () => number,
    private readonly refreshMarginMs: number,
  ) {}

  /**
   * A signed URL for this checksum with more than the margin left — or, for URLs that live
   * shorter than twice the margin, more than half their lifetime left.
   */
  usable(partNumber: number, checksum: string): SignedPartUrl | undefined {
    const entry = this.signed.get(partNumber);
    if (!entry || entry.checksum !== checksum) return undefined;
    const margin = Math.min(this.refreshMarginMs, (entry.expiresAt - entry.requestedAt) / 2);
    return entry.expiresAt - this.now() > margin ? entry.url : undefined;
  }

  /** A URL was signed for this checksum but is now too close to expiry to use. */
  isExpiring(partNumber: number, checksum: string): boolean {
    return this.signed.get(partNumber)?.checksum === checksum && this.usable(partNumber, checksum) === undefined;
  }

  /** The URL being signed for this checksum, if a signing call includes it. */
  pending(partNumber: number, checksum: string): Promise<SignedPartUrl> | undefined {
    const entry = this.signing.get(partNumber);
    return entry?.checksum === checksum ? entry.url : undefined;
  }

  isCovered(partNumber: number, checksum: string): boolean {
    return this.usable(partNumber, checksum) !== undefined || this.pending(partNumber, checksum) !== undefined;
  }

  /**
   * One signing call for the needs not already covered (`pending` shows each part's URL
   * meanwhile); settles when the URLs are stored or the call failed.
   */
  async signBatch(needs: readonly PartUrlNeed[]): Promise<void> {
    const uncovered = needs.filter((need) => !this.isCovered(need.partNumber, need.checksum));
    if (uncovered.length === 0) return;
    const requestedAt = this.now();
    const call = this.signUrls(uncovered).then((urls) => new Map(urls.map((url) => [url.partNumber, url])));
    const urls: Promise<SignedPartUrl>[] = [];
    for (const { partNumber, checksum } of uncovered) {
      const url = call.then((byPart) => {
        const signed = byPart.get(partNumber);
        if (!signed) throw new UploadError("backend", `The server returned no upload URL for part ${partNumber}.`);
        // Checked here so that a URL born expired fails the upload instead of being signed again forever.
        if (!(signed.expiresInMs > 0)) {
          throw new UploadError("backend", `The server returned an upload URL for part ${partNumber} that has already expired.`);
        }
        return signed;
      });
      const entry = { checksum, url };
      this.signing.set(partNumber, entry);
      url.then(
        (signed) => {
          if (this.signing.get(partNumber) !== entry) return;
          this.signing.delete(partNumber);
          this.signed.set(partNumber, { checksum, url: signed, requestedAt, expiresAt: requestedAt + signed.expiresInMs });
        },
        // A failed batch leaves nothing behind, so the next request for these parts signs again.
        () => {
          if (this.signing.get(partNumber) === entry) this.signing.delete(partNumber);
        },
      );
      urls.push(url);
    }
    await Promise.all(urls);
  }

  /**
   * URLs another call signed at `requestedAt` (the first parts', which `prepareUpload` signs
   * with the plan), each kept for the checksum it was asked with. A part the call left out, or
   * whose URL came back expired, is simply signed again when it is needed.
   */
  store(needs: readonly PartUrlNeed[], requestedAt: number, urls: readonly SignedPartUrl[]): void {
    for (const { partNumber, checksum } of needs) {
      const url = urls.find((signed) => signed.partNumber === partNumber);
      if (!url || !(url.expiresInMs > 0)) continue;
      this.signed.set(partNumber, { checksum, url, requestedAt, expiresAt: requestedAt + url.expiresInMs });
    }
  }

  /** Storage refused the URL: never hand it out again. */
  invalidate(partNumber: number): void {
    this.signed.delete(partNumber);
  }

  /** The part is done: drop everything kept for it. */
  forget(partNumber: number): void {
    this.signed.delete(partNumber);
    this.signing.delete(partNumber);
  }
}
