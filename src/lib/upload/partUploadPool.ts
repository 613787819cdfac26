/**
 * Sends the parts of one upload through a bounded pool: each worker takes the next part, sends
 * it until storage holds exactly its bytes (retrying within the part's budget), and reports it
 * to the server. Part URLs are signed in batches ahead of need.
 */
import { linkedAbortController, sleep, untilAborted } from "./abortable";
import type { UploadOptions } from "./options";
import { PartDigests, type PartDigest } from "./partDigests";
import { partSlice } from "./partLayout";
import type { PartTransport } from "./partTransport";
import { PartUrlCache, type PartUrlNeed } from "./partUrlCache";
import { PartRetryBudget, type PartAttemptResult } from "./retryPolicy";
import type { PartPlan, SignedPartUrl, UploadBackend } from "./uploadBackend";
import { asUploadError, toBackendError, type UploadError } from "./uploadError";

/** What the pool needs from the upload that runs it. */
export interface PartPoolHost {
  readonly file: Blob;
  readonly jobId: string;
  readonly plan: PartPlan;
  /** The parts still to send, ascending. */
  readonly partNumbers: readonly number[];
  readonly backend: UploadBackend;
  readonly transport: PartTransport;
  /** Each part's MD5, for the plan's part size; the upload may have started the first ones. */
  readonly digests: PartDigests;
  readonly options: UploadOptions;
  readonly now: () => number;
  readonly random: () => number;
  /** Aborted, with the UploadError as its reason, once the upload is canceled or has failed. */
  readonly lifetime: AbortSignal;
  /** Aborted on pause or going offline; a new one after resuming. */
  activitySignal(): AbortSignal;
  /** Resolves when neither paused nor offline; rejects once the upload has ended. */
  waitUntilRunnable(): Promise<void>;
  isOnline(): boolean;
  onBytesSent(partNumber: number, loadedBytes: number, partBytes: number): void;
  onPartConfirmed(partNumber: number, partBytes: number): void;
  /** Ends the whole upload with this error; the first call wins. */
  fail(error: UploadError): void;
}

/** Resolves once every part is stored and reported; rejects with the upload's UploadError. */
export async function uploadParts(host: PartPoolHost): Promise<void> {
  await new PartUploadPool(host).run();
}

type AttemptOutcome = PartAttemptResult | { kind: "interrupted" };

class PartUploadPool {
  private nextIndex = 0;
  /** Signing rounds started so far. */
  private signingCalls = 0;
  /** Parts a worker has taken and not finished. */
  private readonly started = new Set<number>();
  private readonly digests: PartDigests;
  private readonly urls: PartUrlCache;
  private readonly reports: Promise<void>[] = [];
  /** The signing call being prepared or made, if any. */
  private signingRound: Promise<void> | null = null;
  /** Parts whose worker is waiting for a URL, with the digest it must be signed for. */
  private readonly awaitingUrl = new Map<number, string>();
  /** Parts whose URL storage refused (403) or that expires too soon: their worker needs a fresh one. */
  private readonly needFreshUrl = new Set<number>();
  /** Wakes a signing round that waits for a batch of digests: a worker has run out of URLs. */
  private wakeWaitingRound: (() => void) | null = null;

  constructor(private readonly host: PartPoolHost) {
    const { options, backend, jobId, now } = host;
    this.digests = host.digests;
    this.urls = new PartUrlCache(
      (parts) =>
        backend.getUploadPartUrls({ jobId, parts }).then(
          (answer) => answer.urls,
          (error: unknown) => Promise.reject(toBackendError(error, "sign the part upload URLs")),
        ),
      now,
      options.urlRefreshMarginMs,
    );
  }

  async run(): Promise<void> {
    const { host } = this;
    const workerCount = Math.min(host.options.concurrency, host.partNumbers.length);
    const workers = Array.from({ length: workerCount }, () =>
      this.work().catch((error: unknown) => host.fail(asUploadError(error))),
    );
    await Promise.all(workers);
    await Promise.all(this.reports);
    host.lifetime.throwIfAborted();
  }

  private async work(): Promise<void> {
    for (;;) {
      this.host.lifetime.throwIfAborted();
      const partNumber = this.host.partNumbers[this.nextIndex];
      if (partNumber === undefined) return;
      this.hashAhead(this.nextIndex);
      this.nextIndex += 1;
      this.started.add(partNumber);
      try {
        await this.sendPart(partNumber);
      } finally {
        this.started.delete(partNumber);
      }
    }
  }

  /**
   * Keeps the MD5s of the next parts computing (one at a time, in order) while parts upload, so
   * a signing round finds them ready instead of hashing a batch while the network waits.
   */
  private hashAhead(fromIndex: number): void {
    const { partNumbers, options } = this.host;
    // Digests are computed in the order they are first asked for: the part being taken comes first.
    const end = Math.min(partNumbers.length, fromIndex + options.urlBatchSize + 2 * options.concurrency);
    for (let i = fromIndex; i < end; i++) void this.digests.digestFor(partNumbers[i]!).catch(() => {});
  }

  private async sendPart(partNumber: number): Promise<void> {
    const { host } = this;
    const partBytes = this.partBlob(partNumber).size;
    const budget = new PartRetryBudget(partNumber, host.options, host.random);
    let digest = await this.digests.digestFor(partNumber);
    for (;;) {
      await host.waitUntilRunnable();
      const url = await this.urlFor(partNumber, digest);
      const outcome = await this.attempt(partNumber, url, digest);
      if (outcome.kind === "interrupted") continue;
      const decision = budget.decide(outcome, digest.md5Hex);
      switch (decision.action) {
        case "accept":
          host.onBytesSent(partNumber, partBytes, partBytes);
          this.report(partNumber, decision.etag, partBytes);
          return;
        case "retry_after":
          await sleep(decision.delayMs, host.lifetime);
          break;
        case "refresh_url":
          this.urls.invalidate(partNumber);
          this.needFreshUrl.add(partNumber);
          break;
        case "resend":
          digest = await this.digests.recompute(partNumber);
          break;
        case "fail":
          throw decision.error;
      }
    }
  }

  /** One PUT of the part, ended early by pause, going offline, cancel or a stall. */
  private async attempt(partNumber: number, url: SignedPartUrl, digest: PartDigest): Promise<AttemptOutcome> {
    const { host } = this;
    const { controller, release } = linkedAbortController([host.activitySignal(), host.lifetime]);
    if (controller.signal.aborted) return { kind: "interrupted" };
    const body = this.partBlob(partNumber);
    let stalled = false;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    const restartStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        controller.abort(new Error(`No upload progress on part ${partNumber} for ${host.options.stallTimeoutMs} ms`));
      }, host.options.stallTimeoutMs);
    };
    restartStallTimer();
    try {
      const response = await untilAborted(
        host.transport.putPart({
          url: url.url,
          body,
          headers: withContentMd5(url.headers ?? {}, digest.md5Base64),
          onProgress: (loadedBytes) => {
            if (controller.signal.aborted) return;
            restartStallTimer();
            host.onBytesSent(partNumber, loadedBytes, body.size);
          },
          signal: controller.signal,
        }),
        controller.signal,
      );
      return { kind: "response", response };
    } catch {
      if (stalled) return { kind: "stalled" };
      // A request cut by pause, cancel or the browser going offline is not the part's fault.
      if (controller.signal.aborted || !host.isOnline()) return { kind: "interrupted" };
      return { kind: "network_error" };
    } finally {
      clearTimeout(stallTimer);
      release();
    }
  }

  /** Reported in the background so the worker can start its next part meanwhile. */
  private report(partNumber: number, etag: string, partBytes: number): void {
    const { host } = this;
    const reported = untilAborted(host.backend.reportUploadedPart({ jobId: host.jobId, partNumber, etag, size: partBytes }), host.lifetime).then(
      () => {
        this.urls.forget(partNumber);
        this.digests.forget(partNumber);
        host.onPartConfirmed(partNumber, partBytes);
      },
      (error: unknown) => {
        if (!host.lifetime.aborted) host.fail(toBackendError(error, `record part ${partNumber}`));
      },
    );
    this.reports.push(reported);
  }

  private async urlFor(partNumber: number, digest: PartDigest): Promise<SignedPartUrl> {
    const { lifetime } = this.host;
    this.awaitingUrl.set(partNumber, digest.md5Base64);
    try {
      for (;;) {
        const usable = this.urls.usable(partNumber, digest.md5Base64);
        if (usable) {
          this.prefetchIfRunningLow();
          return usable;
        }
        if (this.urls.isExpiring(partNumber, digest.md5Base64)) this.needFreshUrl.add(partNumber);
        const pending = this.urls.pending(partNumber, digest.md5Base64);
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
   * batch. The first call does not wait for a batch of digests, so the first bytes leave as soon
   * as the first parts are hashed: it waits only for the parts workers have taken (hashed first
   * anyway) and takes along the upcoming parts whose MD5 is ready. The second call starts right
   * after (the first covers only a few parts) and would otherwise hold every worker until a whole
   * batch is hashed: it stops waiting as soon as a worker runs out of URLs and signs what is
   * hashed by then. Later calls wait for a full batch, which hashing ahead has mostly computed by
   * the time it is needed, so there is about one call per batch (128 parts: 5 or 6 calls),
   * unless a worker needs a fresh URL for its part (after a 403, or one about to expire): then
   * the call signs what is hashed at once rather than leave that worker waiting for a batch.
   */
  private async signNextBatch(): Promise<void> {
    const { urlBatchSize } = this.host.options;
    const call = this.signingCalls++;
    const taken = call === 0 ? await this.takenNeeds() : [];
    // Computing digests takes a while; workers that reach their URL meanwhile join this batch.
    const stopWaiting =
      call === 0
        ? Promise.resolve()
        : this.untilAWorkerWaits(call === 1 ? () => true : (partNumber) => this.needFreshUrl.has(partNumber));
    const upcoming = await this.upcomingNeeds(urlBatchSize, stopWaiting);
    const waiting: PartUrlNeed[] = [];
    for (const [partNumber, contentMd5] of this.awaitingUrl) {
      if (!this.urls.isCovered(partNumber, contentMd5)) waiting.push({ partNumber, contentMd5 });
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

  /** The parts workers have taken that have no URL for their current digest yet. */
  private async takenNeeds(): Promise<PartUrlNeed[]> {
    const needs: PartUrlNeed[] = [];
    for (const partNumber of [...this.started].sort((a, b) => a - b)) {
      // A digest being recomputed (after storage saw other bytes) is the worker's own business.
      const digest = this.digests.peek(partNumber) ?? (await this.digests.pendingDigest(partNumber));
      if (digest && !this.urls.isCovered(partNumber, digest.md5Base64)) needs.push({ partNumber, contentMd5: digest.md5Base64 });
    }
    return needs;
  }

  /**
   * Signs the next batch in the background while the parts about to start still have URLs,
   * so workers rarely wait for signing.
   */
  private prefetchIfRunningLow(): void {
    const { partNumbers, options, lifetime } = this.host;
    if (this.signingRound || lifetime.aborted) return;
    const lowWater = 2 * options.concurrency;
    let coveredAhead = 0;
    for (let i = this.nextIndex; i < partNumbers.length && coveredAhead < lowWater; i++) {
      const partNumber = partNumbers[i]!;
      const digest = this.digests.peek(partNumber);
      if (!digest || !this.urls.isCovered(partNumber, digest.md5Base64)) break;
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
          ([partNumber, contentMd5]) => counts(partNumber) && !this.urls.isCovered(partNumber, contentMd5),
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
   * digests until `stopWaiting` settles (never, when it is undefined), then taking only those
   * already computed.
   */
  private async upcomingNeeds(limit: number, stopWaiting?: Promise<void>): Promise<PartUrlNeed[]> {
    const { partNumbers, options } = this.host;
    const needs: PartUrlNeed[] = [];
    const stopped = stopWaiting?.then(() => undefined);
    const scanEnd = Math.min(partNumbers.length, this.nextIndex + 2 * options.urlBatchSize + options.concurrency);
    for (let i = this.nextIndex; i < scanEnd && needs.length < limit; i++) {
      const partNumber = partNumbers[i]!;
      const digest =
        this.digests.peek(partNumber) ??
        (await (stopped ? Promise.race([this.digests.digestFor(partNumber), stopped]) : this.digests.digestFor(partNumber)));
      if (!digest) break;
      if (!this.urls.isCovered(partNumber, digest.md5Base64)) needs.push({ partNumber, contentMd5: digest.md5Base64 });
    }
    return needs;
  }

  private partBlob(partNumber: number): Blob {
    return partSlice(this.host.file, partNumber, this.host.plan.partSize);
  }
}

/** Content-MD5 exactly once, whatever case the signer used for it. */
function withContentMd5(headers: Readonly<Record<string, string>>, md5Base64: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== "content-md5") result[name] = value;
  }
  result["Content-MD5"] = md5Base64;
  return result;
}
