/**
 * Signed URLs for the pool's parts. A part's URL is signed with its CRC32C (a signed header), so
 * a URL can only be asked for once the part's checksum is computed: this module computes the
 * checksums ahead of the uploads, in part order, and batches the signing calls so that workers
 * rarely wait for either. The pool tells it which parts its workers have taken (`take`), and asks
 * for a part's URL (`urlFor`) or a fresh one (`refresh`, after a 403 or a BadDigest).
 */
import { untilAborted } from "./abortable";
import type { UploadOptions } from "./options";
import type { PartChecksumQueue } from "./partChecksums";
import { PartUrlCache, type PartUrlNeed } from "./partUrlCache";
import type { SignedPartUrl } from "./uploadBackend";

export interface PartUrlSignerSetup {
  /** The parts still to send, ascending: the order the pool takes them in. */
  partNumbers: readonly number[];
  checksums: PartChecksumQueue;
  /** One signing call (`getUploadPartUrls`). */
  sign(needs: PartUrlNeed[]): Promise<SignedPartUrl[]>;
  options: Pick<UploadOptions, "concurrency" | "urlBatchSize" | "urlRefreshMarginMs">;
  now: () => number;
  /** Aborted once the upload has ended. */
  lifetime: AbortSignal;
}

export class PartUrlSigner {
  private readonly urls: PartUrlCache;
  /** Index in `partNumbers` of the next part a worker will take. */
  private nextIndex = 0;
  /** Signing rounds started so far (the first ones are small: see `signNextBatch`). */
  private signingCalls = 0;
  /** Parts a worker has taken and not finished. */
  private readonly started = new Set<number>();
  /** The signing call being prepared or made, if any. */
  private signingRound: Promise<void> | null = null;
  /** Parts whose worker is waiting for a URL, with the checksum it must be signed for. */
  private readonly awaitingUrl = new Map<number, string>();
  /** Parts whose URL storage refused or that expires too soon: their worker needs a fresh one. */
  private readonly needFreshUrl = new Set<number>();
  /** Wakes a signing round that waits for a batch of checksums: a worker has run out of URLs. */
  private wakeWaitingRound: (() => void) | null = null;

  constructor(private readonly setup: PartUrlSignerSetup) {
    this.urls = new PartUrlCache((needs) => setup.sign(needs), setup.now, setup.options.urlRefreshMarginMs);
  }

  /**
   * URLs signed with the plan (`prepareUpload` signs the first parts' URLs): the small first
   * signing call they replace is not made.
   */
  seed(needs: readonly PartUrlNeed[], requestedAt: number, urls: readonly SignedPartUrl[]): void {
    this.urls.store(needs, requestedAt, urls);
    if (urls.length > 0) this.signingCalls = Math.max(this.signingCalls, 1);
  }

  /** A worker takes the part at `index` of `partNumbers`; checksums of the parts after it start. */
  take(index: number): number | undefined {
    const partNumber = this.setup.partNumbers[index];
    if (partNumber === undefined) return undefined;
    this.checksumAhead(index);
    this.nextIndex = index + 1;
    this.started.add(partNumber);
    return partNumber;
  }

  /** The worker is done with the part (stored, or the upload ended). */
  finished(partNumber: number): void {
    this.started.delete(partNumber);
  }

  /** The part is recorded: nothing kept for it is needed again. */
  forget(partNumber: number): void {
    this.urls.forget(partNumber);
    this.setup.checksums.forget(partNumber);
  }

  /** Storage refused the part's URL (403) or its body (BadDigest): its next URL is signed afresh, at once. */
  refresh(partNumber: number): void {
    this.urls.invalidate(partNumber);
    this.needFreshUrl.add(partNumber);
  }

  /** A usable URL for the part signed with `checksum`, from the cache or the next signing call. */
  async urlFor(partNumber: number, checksum: string): Promise<SignedPartUrl> {
    const { lifetime } = this.setup;
    this.awaitingUrl.set(partNumber, checksum);
    try {
      for (;;) {
        const usable = this.urls.usable(partNumber, checksum);
        if (usable) {
          this.prefetchIfRunningLow();
          return usable;
        }
        if (this.urls.isExpiring(partNumber, checksum)) this.needFreshUrl.add(partNumber);
        const pending = this.urls.pending(partNumber, checksum);
        if (pending) return await untilAborted(pending, lifetime);
        const round = this.signingRound ?? this.startSigningRound();
        this.wakeWaitingRound?.();
        await untilAborted(round, lifetime);
      }
    } finally {
      this.awaitingUrl.delete(partNumber);
      this.needFreshUrl.delete(partNumber);
    }
  }

  /**
   * Keeps the checksums of the next parts computing (one at a time, in order) while parts
   * upload, so a signing round finds them ready instead of reading a batch while the network
   * waits. Never more than `urlBatchSize + 2 × concurrency` parts ahead of the part taken.
   */
  private checksumAhead(fromIndex: number): void {
    const { partNumbers, options, checksums } = this.setup;
    // Checksums are computed in the order they are first asked for: the part being taken comes first.
    const end = Math.min(partNumbers.length, fromIndex + options.urlBatchSize + 2 * options.concurrency);
    for (let i = fromIndex; i < end; i++) void checksums.checksumFor(partNumbers[i]!).catch(() => {});
  }

  /** At most one signing round at a time, so concurrent workers share one call instead of each making one. */
  private startSigningRound(): Promise<void> {
    const round = this.signNextBatch().finally(() => {
      if (this.signingRound === round) this.signingRound = null;
      this.wakeWaitingRound = null;
    });
    this.signingRound = round;
    return round;
  }

  /**
   * One signing call: the parts workers are waiting for, then the next parts to start, up to a
   * batch. The first call (made only when the plan came without URLs, as on a resume) signs the
   * parts workers have taken, so the first bytes leave as soon as those are checksummed. The
   * second starts right after (the first covers only a few parts) and would otherwise hold every
   * worker until a whole batch is checksummed: it stops waiting as soon as a worker runs out of
   * URLs and signs what is computed by then. Later calls wait for a full batch, which computing
   * ahead has mostly done by the time it is needed, unless a worker needs a fresh URL (after a
   * 403 or a BadDigest, or for one about to expire): then the call signs what is ready at once.
   */
  private async signNextBatch(): Promise<void> {
    const { urlBatchSize } = this.setup.options;
    const call = this.signingCalls++;
    const taken = call === 0 ? await this.takenNeeds() : [];
    // Checksums take a while; workers that reach their URL meanwhile join this batch.
    const stopWaiting =
      call === 0
        ? Promise.resolve()
        : this.untilAWorkerWaits(call === 1 ? () => true : (partNumber) => this.needFreshUrl.has(partNumber));
    const upcoming = await this.upcomingNeeds(urlBatchSize, stopWaiting);
    const waiting: PartUrlNeed[] = [];
    for (const [partNumber, checksum] of this.awaitingUrl) {
      if (!this.urls.isCovered(partNumber, checksum)) waiting.push({ partNumber, checksum });
    }
    const needs: PartUrlNeed[] = [];
    const seen = new Set<number>();
    for (const need of [...waiting, ...taken, ...upcoming]) {
      if (seen.has(need.partNumber)) continue;
      seen.add(need.partNumber);
      needs.push(need);
    }
    await this.urls.signBatch(needs.slice(0, urlBatchSize));
  }

  /** The parts workers have taken that have no URL for their current checksum yet. */
  private async takenNeeds(): Promise<PartUrlNeed[]> {
    const { checksums } = this.setup;
    const needs: PartUrlNeed[] = [];
    for (const partNumber of [...this.started].sort((a, b) => a - b)) {
      // A checksum being recomputed (after storage saw other bytes) is the worker's own business.
      const checksum = checksums.peek(partNumber) ?? (await checksums.pendingChecksum(partNumber));
      if (checksum && !this.urls.isCovered(partNumber, checksum)) needs.push({ partNumber, checksum });
    }
    return needs;
  }

  /**
   * Signs the next batch in the background while the parts about to start still have URLs,
   * so workers rarely wait for signing.
   */
  private prefetchIfRunningLow(): void {
    const { partNumbers, options, lifetime, checksums } = this.setup;
    if (this.signingRound || lifetime.aborted) return;
    const lowWater = 2 * options.concurrency;
    let coveredAhead = 0;
    for (let i = this.nextIndex; i < partNumbers.length && coveredAhead < lowWater; i++) {
      const partNumber = partNumbers[i]!;
      const checksum = checksums.peek(partNumber);
      if (!checksum || !this.urls.isCovered(partNumber, checksum)) break;
      coveredAhead += 1;
    }
    if (coveredAhead >= lowWater || this.nextIndex + coveredAhead >= partNumbers.length) return;
    // A failure here reaches the worker that next needs one of these URLs, when it signs again.
    this.startSigningRound().catch(() => {});
  }

  /**
   * Resolves when a worker whose part `counts` finds no URL for it (checked now, and whenever a
   * worker next finds none).
   */
  private untilAWorkerWaits(counts: (partNumber: number) => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        const aWorkerWaits = [...this.awaitingUrl].some(
          ([partNumber, checksum]) => counts(partNumber) && !this.urls.isCovered(partNumber, checksum),
        );
        if (!aWorkerWaits) return;
        this.wakeWaitingRound = null;
        resolve();
      };
      this.wakeWaitingRound = check;
      check();
    });
  }

  /**
   * Up to `limit` parts, in the order they will start, that have no URL yet: waiting for their
   * checksums until `stopWaiting` settles, then taking only those already computed.
   */
  private async upcomingNeeds(limit: number, stopWaiting: Promise<void>): Promise<PartUrlNeed[]> {
    const { partNumbers, options, checksums } = this.setup;
    const needs: PartUrlNeed[] = [];
    const stopped = stopWaiting.then(() => undefined);
    const scanEnd = Math.min(partNumbers.length, this.nextIndex + 2 * options.urlBatchSize + options.concurrency);
    for (let i = this.nextIndex; i < scanEnd && needs.length < limit; i++) {
      const partNumber = partNumbers[i]!;
      const checksum = checksums.peek(partNumber) ?? (await Promise.race([checksums.checksumFor(partNumber), stopped]));
      if (!checksum) break;
      if (!this.urls.isCovered(partNumber, checksum)) needs.push({ partNumber, checksum });
    }
    return needs;
  }
}
