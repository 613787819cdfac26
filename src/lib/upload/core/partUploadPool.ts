/**
 * Sends the parts of one upload through a bounded pool: each worker takes the next part, sends
 * it with the CRC32C its URL was signed with until storage holds exactly its bytes (retrying
 * within the part's budget), and reports it to the server. URLs come from `partUrlSigner.ts`.
 */
import { linkedAbortController, sleep, untilAborted } from "./abortable";
import type { UploadOptions } from "./options";
import type { PartChecksumQueue } from "./partChecksums";
import { partSlice } from "./partLayout";
import type { PartTransport } from "./partTransport";
import type { PartUrlNeed } from "./partUrlCache";
import { PartUrlSigner } from "./partUrlSigner";
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
  /** Each part's CRC32C, for the plan's part size; the upload may have computed the first ones. */
  readonly checksums: PartChecksumQueue;
  /** URLs `prepareUpload` signed with the plan, for the checksums they were asked with, and when it was called. */
  readonly preparedUrls?: { needs: readonly PartUrlNeed[]; requestedAt: number; urls: readonly SignedPartUrl[] };
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
  private readonly signer: PartUrlSigner;
  private readonly reports: Promise<void>[] = [];

  constructor(private readonly host: PartPoolHost) {
    const { options, backend, jobId, now, checksums, partNumbers, lifetime, preparedUrls } = host;
    this.signer = new PartUrlSigner({
      partNumbers,
      checksums,
      sign: (needs) =>
        backend
          .getUploadPartUrls({ jobId, parts: needs.map(({ partNumber, checksum }) => ({ partNumber, checksumCrc32c: checksum })) })
          .then(
            (answer) => answer.urls,
            (error: unknown) => Promise.reject(toBackendError(error, "sign the part upload URLs")),
          ),
      options,
      now,
      lifetime,
    });
    if (preparedUrls) this.signer.seed(preparedUrls.needs, preparedUrls.requestedAt, preparedUrls.urls);
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
      const partNumber = this.signer.take(this.nextIndex);
      if (partNumber === undefined) return;
      this.nextIndex += 1;
      try {
        await this.sendPart(partNumber);
      } finally {
        this.signer.finished(partNumber);
      }
    }
  }

  private async sendPart(partNumber: number): Promise<void> {
    const { host } = this;
    const partBytes = this.partBlob(partNumber).size;
    const budget = new PartRetryBudget(partNumber, host.options, host.random);
    let checksum = await host.checksums.checksumFor(partNumber);
    for (;;) {
      await host.waitUntilRunnable();
      const url = await this.signer.urlFor(partNumber, checksum);
      const outcome = await this.attempt(partNumber, url);
      if (outcome.kind === "interrupted") continue;
      const decision = budget.decide(outcome);
      switch (decision.action) {
        case "accept":
          host.onBytesSent(partNumber, partBytes, partBytes);
          this.report(partNumber, decision.etag, partBytes, checksum);
          return;
        case "retry_after":
          await sleep(decision.delayMs, host.lifetime);
          break;
        case "refresh_url":
          this.signer.refresh(partNumber);
          break;
        case "resend":
          // Storage saw other bytes than the checksum says: read the part again, and send it
          // with a fresh checksum and a URL signed for it.
          checksum = await host.checksums.recompute(partNumber);
          this.signer.refresh(partNumber);
          break;
        case "fail":
          throw decision.error;
      }
    }
  }

  /** One PUT of the part, ended early by pause, going offline, cancel or a stall. */
  private async attempt(partNumber: number, url: SignedPartUrl): Promise<AttemptOutcome> {
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
          // Exactly as signed: the checksum header is part of the signature.
          headers: url.headers ?? {},
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
  private report(partNumber: number, etag: string, partBytes: number, checksumCrc32c: string): void {
    const { host } = this;
    const reporting = host.backend.reportUploadedPart({ jobId: host.jobId, partNumber, etag, size: partBytes, checksumCrc32c });
    const reported = untilAborted(reporting, host.lifetime).then(
      () => {
        this.signer.forget(partNumber);
        host.onPartConfirmed(partNumber, partBytes);
      },
      (error: unknown) => {
        if (!host.lifetime.aborted) host.fail(toBackendError(error, `record part ${partNumber}`));
      },
    );
    this.reports.push(reported);
  }

  private partBlob(partNumber: number): Blob {
    return partSlice(this.host.file, partNumber, this.host.plan.partSize);
  }
}
