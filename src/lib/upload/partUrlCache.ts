/**
 * Presigned part URLs, signed in batches and kept until used. A URL is bound to the MD5 it was
 * signed with, and counts as usable only while it is further than the margin from expiry. Expiry
 * is counted on this page's clock, from when the signing call was made plus the lifetime the
 * server gives (`expiresInMs`): a browser clock that is off by hours neither makes every fresh
 * URL look expired nor an expired one look fresh.
 */
import type { PartUrlRequest, SignedPartUrl } from "./uploadBackend";
import { UploadError } from "./uploadError";

export type PartUrlNeed = Required<PartUrlRequest>;

interface SignedEntry {
  contentMd5: string;
  url: SignedPartUrl;
  /** On this page's clock: when the signing call was made, and that plus the URL's lifetime. */
  requestedAt: number;
  expiresAt: number;
}

interface SigningEntry {
  contentMd5: string;
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
   * A signed URL for this digest with more than the margin left — or, for URLs that live
   * shorter than twice the margin, more than half their lifetime left.
   */
  usable(partNumber: number, contentMd5: string): SignedPartUrl | undefined {
    const entry = this.signed.get(partNumber);
    if (!entry || entry.contentMd5 !== contentMd5) return undefined;
    const margin = Math.min(this.refreshMarginMs, (entry.expiresAt - entry.requestedAt) / 2);
    return entry.expiresAt - this.now() > margin ? entry.url : undefined;
  }

  /** A URL was signed for this digest but is now too close to expiry to use. */
  isExpiring(partNumber: number, contentMd5: string): boolean {
    return this.signed.get(partNumber)?.contentMd5 === contentMd5 && this.usable(partNumber, contentMd5) === undefined;
  }

  /** The URL being signed for this digest, if a signing call includes it. */
  pending(partNumber: number, contentMd5: string): Promise<SignedPartUrl> | undefined {
    const entry = this.signing.get(partNumber);
    return entry?.contentMd5 === contentMd5 ? entry.url : undefined;
  }

  isCovered(partNumber: number, contentMd5: string): boolean {
    return this.usable(partNumber, contentMd5) !== undefined || this.pending(partNumber, contentMd5) !== undefined;
  }

  /**
   * One signing call for the needs not already covered (`pending` shows each part's URL
   * meanwhile); settles when the URLs are stored or the call failed.
   */
  async signBatch(needs: readonly PartUrlNeed[]): Promise<void> {
    const uncovered = needs.filter((need) => !this.isCovered(need.partNumber, need.contentMd5));
    if (uncovered.length === 0) return;
    const requestedAt = this.now();
    const call = this.signUrls(uncovered).then((urls) => new Map(urls.map((url) => [url.partNumber, url])));
    const urls: Promise<SignedPartUrl>[] = [];
    for (const { partNumber, contentMd5 } of uncovered) {
      const url = call.then((byPart) => {
        const signed = byPart.get(partNumber);
        if (!signed) throw new UploadError("backend", `The server returned no upload URL for part ${partNumber}.`);
        // Checked here so that a URL born expired fails the upload instead of being signed again forever.
        if (!(signed.expiresInMs > 0)) {
          throw new UploadError("backend", `The server returned an upload URL for part ${partNumber} that has already expired.`);
        }
        return signed;
      });
      const entry = { contentMd5, url };
      this.signing.set(partNumber, entry);
      url.then(
        (signed) => {
          if (this.signing.get(partNumber) !== entry) return;
          this.signing.delete(partNumber);
          this.signed.set(partNumber, { contentMd5, url: signed, requestedAt, expiresAt: requestedAt + signed.expiresInMs });
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
