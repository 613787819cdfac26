/**
 * One upload of one file for one job, from fingerprint to `completeUpload`: the lifecycle,
 * pause/resume/cancel, offline handling and the observable snapshot. The parts themselves go
 * through `partUploadPool.ts`. Platform-free: the server, the part transport, the checksums and
 * the network status are ports the caller plugs in (the browser's defaults: `index.ts`).
 *
 *   idle → preparing → uploading ⇄ paused / offline → completing → done
 *   failed and canceled from anywhere before done; released from anywhere before completing.
 *
 * Preparing is what happens before the server's plan is known: a fresh upload computes the
 * first parts' CRC32Cs (part 1's is the resume fingerprint) and calls `prepareUpload`, which
 * signs their URLs with the plan; a resume reads the session and checks the fingerprint.
 */
import { untilAborted } from "./abortable";
import type { NetworkStatus } from "./networkStatus";
import { resolveUploadOptions, type UploadOptions } from "./options";
import { PartChecksumQueue, type PartChecksums } from "./partChecksums";
import { describePlanProblem, partByteRange, partSlice } from "./partLayout";
import type { PartTransport } from "./partTransport";
import { uploadParts, type PartPoolHost } from "./partUploadPool";
import { ProgressTracker, type ProgressFigures } from "./progressTracker";
import type { PartPlan, UploadBackend, UploadSession } from "./uploadBackend";
import { asUploadError, toBackendError, UploadError } from "./uploadError";

export type UploadStatus =
  | "idle"
  | "preparing"
  | "uploading"
  | "paused"
  | "offline"
  | "completing"
  | "done"
  | "failed"
  | "canceled"
  | "released";

export interface UploadSnapshot extends ProgressFigures {
  status: UploadStatus;
  /** 0 until the server's plan is known. */
  partsTotal: number;
  partsConfirmed: number;
  /** Why the upload failed or was canceled. */
  error: UploadError | null;
}

/** A `File`, or anything else with a name and a modification time. */
export interface UploadableFile extends Blob {
  readonly name: string;
  readonly lastModified: number;
}

/** The ports an upload runs on; `index.ts` plugs in the browser's (XHR, CRC32C, `navigator.onLine`). */
export interface UploadDependencies {
  backend: UploadBackend;
  transport: PartTransport;
  checksums: PartChecksums;
  networkStatus: NetworkStatus;
  options?: Partial<UploadOptions>;
  /** Clock for URL expiry and speed; default `Date.now`. */
  now?: () => number;
  /** Source of retry jitter; default `Math.random`. */
  random?: () => number;
}

/** A new upload: fingerprints the file, asks the server for a plan, sends every part. */
export function createUpload(file: UploadableFile, jobId: string, dependencies: UploadDependencies): ResumableUpload {
  return new ResumableUpload("fresh", file, jobId, dependencies);
}

/**
 * Continues the job's unfinished upload with the file the user selected again: refuses a
 * different file with `file_mismatch`, then sends only the parts the server has not recorded.
 */
export function resumeUpload(file: UploadableFile, jobId: string, dependencies: UploadDependencies): ResumableUpload {
  return new ResumableUpload("resume", file, jobId, dependencies);
}

/** What the upload knows once the server's plan is known, before any part is sent. */
interface ReadyToSend {
  plan: PartPlan;
  recordedPartNumbers: Set<number>;
  /** The parts' CRC32Cs, the first ones already computed or computing. */
  checksums: PartChecksumQueue;
  /** The URLs `prepareUpload` signed for the first parts. */
  preparedUrls?: PartPoolHost["preparedUrls"];
}

type Phase = "idle" | "preparing" | "uploading" | "completing" | "done" | "failed" | "canceled" | "released";

/** While uploading, speed and ETA are read again this often, so they move when no byte does (a stall). */
const FIGURES_REFRESH_MS = 1000;

export class ResumableUpload {
  private readonly backend: UploadBackend;
  private readonly transport: PartTransport;
  private readonly checksums: PartChecksums;
  private readonly network: NetworkStatus;
  private readonly options: UploadOptions;
  private readonly now: () => number;
  private readonly random: () => number;

  private phase: Phase = "idle";
  private paused = false;
  private online: boolean;
  /** Aborted with the ending UploadError when the upload fails or is canceled. */
  private readonly lifetime = new AbortController();
  /** Aborted when the upload pauses or goes offline, which cuts in-flight PUTs. */
  private activity = new AbortController();
  private readonly wakeWaiters = new Set<() => void>();
  private plan: PartPlan | null = null;
  private tracker: ProgressTracker;
  private partsConfirmed = 0;
  private startPromise: Promise<void> | null = null;
  private cancelPromise: Promise<void> | null = null;
  /** The prepareUpload call in flight; cancel waits for it so it can abort what it created. */
  private preparing: Promise<unknown> = Promise.resolve();
  /** False until prepareUpload is called on a fresh upload: before that there is nothing to abort. */
  private serverUploadMayExist: boolean;
  private readonly listeners = new Set<(snapshot: UploadSnapshot) => void>();
  private snapshot: UploadSnapshot;
  /** Runs while the status is uploading (see `FIGURES_REFRESH_MS`). */
  private figuresTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly mode: "fresh" | "resume",
    private readonly file: UploadableFile,
    private readonly jobId: string,
    dependencies: UploadDependencies,
  ) {
    this.backend = dependencies.backend;
    this.transport = dependencies.transport;
    this.checksums = dependencies.checksums;
    this.network = dependencies.networkStatus;
    this.options = resolveUploadOptions(dependencies.options);
    this.now = dependencies.now ?? Date.now;
    this.random = dependencies.random ?? Math.random;
    this.online = this.network.isOnline();
    this.serverUploadMayExist = mode === "resume";
    this.tracker = new ProgressTracker(file.size, 0, this.now, this.options.speedSmoothingMs);
    this.snapshot = this.buildSnapshot();
  }

  /** Runs the upload; resolves when the server has completed it, rejects with an UploadError. Idempotent. */
  start(): Promise<void> {
    this.startPromise ??= this.run();
    return this.startPromise;
  }

  /** Stops sending (in-flight parts are cut and later re-sent); no-op once completing or ended. */
  pause(): void {
    if (this.paused || !this.isPausablePhase()) return;
    this.paused = true;
    this.activity.abort(new Error("Upload paused"));
    this.tracker.restartSpeedClock();
    this.emit();
  }

  resume(): void {
    if (!this.paused || !this.isPausablePhase()) return;
    this.paused = false;
    this.reopenActivity();
    this.wake();
    this.emit();
  }

  /**
   * Stops everything and aborts the multipart upload on the server; `start()` rejects with
   * `canceled`. Resolves when the server has aborted it. No-op after `done`.
   */
  cancel(): Promise<void> {
    if (this.phase === "done") return Promise.resolve();
    this.cancelPromise ??= this.cancelNow();
    return this.cancelPromise;
  }

  /**
   * Stops everything this page is doing for the upload (in-flight PUTs, checksums, signing)
   * and leaves the server's multipart upload and recorded parts as they are, for a later
   * `resumeUpload` (here after a reload, or in another tab). For a page that goes away without
   * the user canceling. `start()` rejects with `released`. No-op once completing or ended.
   */
  release(): void {
    if (!this.isPausablePhase()) return;
    this.end(new UploadError("released", "This page stopped sending the file. The parts sent so far are kept: select the same file to continue."));
  }

  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: UploadSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest snapshot; the same object until something changes (fits React's useSyncExternalStore). */
  getSnapshot(): UploadSnapshot {
    return this.snapshot;
  }

  private async run(): Promise<void> {
    this.lifetime.signal.throwIfAborted();
    const stopWatchingNetwork = this.network.onChange((online) => this.setOnline(online));
    this.setOnline(this.network.isOnline());
    try {
      const ready = this.mode === "fresh" ? await this.prepareFreshUpload() : await this.readSessionToResume();
      await this.sendMissingParts(ready);
      this.setPhase("completing");
      await this.callBackend(this.backend.completeUpload({ jobId: this.jobId }), "complete the upload");
      this.lifetime.signal.throwIfAborted();
      this.setPhase("done");
    } catch (error) {
      this.end(asUploadError(error));
      throw this.lifetime.signal.reason;
    } finally {
      stopWatchingNetwork();
      this.keepFiguresFresh(false);
    }
  }

  private async prepareFreshUpload(): Promise<ReadyToSend> {
    this.setPhase("preparing");
    const { file } = this;
    // The fingerprint and the first parts' checksums go with prepareUpload, before the server's
    // plan exists: they are computed with the server's announced part size, and a plan with
    // another size is refused below, before any byte is sent.
    const expectedPartSize = this.backend.expectedPartSize(file.size);
    const expectedPartCount = Math.max(1, Math.ceil(file.size / expectedPartSize));
    const checksums = this.checksumQueue(expectedPartSize);
    const firstParts = partNumbersFrom(1, Math.min(this.options.concurrency, expectedPartCount));
    const firstChecksums = await Promise.all(firstParts.map((partNumber) => this.checksumOf(checksums, partNumber)));
    // The next parts are read while prepareUpload is in flight.
    for (const partNumber of partNumbersFrom(firstParts.length + 1, Math.min(2 * this.options.concurrency, expectedPartCount))) {
      void checksums.checksumFor(partNumber).catch(() => {});
    }
    const needs = firstParts.map((partNumber, i) => ({ partNumber, checksum: firstChecksums[i]! }));
    // A listener of the snapshot may have canceled meanwhile: then no multipart upload may be created.
    this.lifetime.signal.throwIfAborted();
    const requestedAt = this.now();
    const preparing = this.backend.prepareUpload({
      jobId: this.jobId,
      file: { name: file.name, size: file.size, type: file.type, lastModified: file.lastModified, firstPartCrc32c: firstChecksums[0]! },
      parts: needs.map(({ partNumber, checksum }) => ({ partNumber, checksumCrc32c: checksum })),
    });
    this.serverUploadMayExist = true;
    this.preparing = preparing.catch(() => {});
    const answer = await this.callBackend(preparing, "prepare the upload");
    const plan = { partSize: answer.partSize, partCount: answer.partCount };
    this.requireUsablePlan(plan);
    if (plan.partSize !== expectedPartSize) {
      throw new UploadError(
        "backend",
        `The server split the file into parts of ${plan.partSize} bytes instead of the announced ${expectedPartSize}, ` +
          "so the upload could not be resumed later. Reload the page and try again.",
        { retryable: false },
      );
    }
    return { plan, recordedPartNumbers: new Set(), checksums, preparedUrls: { needs, requestedAt, urls: answer.urls ?? [] } };
  }

  private async readSessionToResume(): Promise<ReadyToSend> {
    this.setPhase("preparing");
    const session = await this.callBackend(this.backend.uploadSession({ jobId: this.jobId }), "read the unfinished upload");
    if (!session) {
      throw new UploadError("no_session", "This job has no unfinished upload to resume. Start a new upload instead.");
    }
    if (session.status !== "UPLOAD_READY" && session.status !== "UPLOADING") {
      throw new UploadError("no_session", `This job is no longer waiting for its file (it is ${session.status}).`);
    }
    this.requireSameFileDetails(session);
    const plan = { partSize: session.partSize, partCount: session.partCount };
    this.requireUsablePlan(plan);
    const recordedPartNumbers = new Set(
      session.recordedPartNumbers.filter((n) => Number.isInteger(n) && n >= 1 && n <= plan.partCount),
    );
    const checksums = this.checksumQueue(plan.partSize);
    const expectedFirstPart = session.fingerprint.firstPartCrc32c;
    // Part 1's checksum comes first; the first parts to send are read meanwhile (a file that
    // fails the check discards them unused).
    const firstPart = expectedFirstPart === undefined ? undefined : this.checksumOf(checksums, 1);
    for (const partNumber of missingPartNumbers(plan, recordedPartNumbers).slice(0, this.options.concurrency)) {
      void checksums.checksumFor(partNumber).catch(() => {});
    }
    if (firstPart && (await firstPart) !== expectedFirstPart) {
      throw new UploadError(
        "file_mismatch",
        `"${this.file.name}" has the same name, size and date as the file you started uploading, but different contents. ` +
          "Select the original file.",
      );
    }
    if (recordedPartNumbers.has(1)) checksums.forget(1);
    return { plan, recordedPartNumbers, checksums };
  }

  /** The parts' checksums for this part size, computed as they are asked for. */
  private checksumQueue(partSize: number): PartChecksumQueue {
    return new PartChecksumQueue(this.checksums, (partNumber) => partSlice(this.file, partNumber, partSize), this.lifetime.signal);
  }

  /** The part's checksum; a failure other than the upload ending means the file could not be read. */
  private async checksumOf(checksums: PartChecksumQueue, partNumber: number): Promise<string> {
    const signal = this.lifetime.signal;
    try {
      return await untilAborted(checksums.checksumFor(partNumber), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof UploadError) throw error;
      throw new UploadError("file_unreadable", "The file could not be read to compute its checksum. Select it again.", {
        cause: error,
      });
    }
  }

  private requireSameFileDetails(session: UploadSession): void {
    const expected = session.fingerprint;
    const { file } = this;
    const differences: string[] = [];
    if (file.name !== expected.name) differences.push(`it is named "${file.name}", not "${expected.name}"`);
    if (file.size !== expected.size) differences.push(`it has ${file.size} bytes, not ${expected.size}`);
    if (file.lastModified !== expected.lastModified) differences.push("it was modified since the upload started");
    if (differences.length > 0) {
      throw new UploadError(
        "file_mismatch",
        `This is not the file you started uploading: ${differences.join("; ")}. Select "${expected.name}" to continue.`,
      );
    }
  }

  /** Sends what the server lacks; resolves once every part is stored and recorded. */
  private async sendMissingParts({ plan, recordedPartNumbers, checksums, preparedUrls }: ReadyToSend): Promise<void> {
    const { file } = this;
    const partNumbers = missingPartNumbers(plan, recordedPartNumbers);
    let confirmedBytes = 0;
    for (const partNumber of recordedPartNumbers) {
      const { start, end } = partByteRange(partNumber, plan.partSize, file.size);
      confirmedBytes += end - start;
    }
    this.plan = plan;
    this.partsConfirmed = recordedPartNumbers.size;
    this.tracker = new ProgressTracker(file.size, confirmedBytes, this.now, this.options.speedSmoothingMs);
    this.setPhase("uploading");

    await uploadParts({
      file,
      jobId: this.jobId,
      plan,
      partNumbers,
      backend: this.backend,
      transport: this.transport,
      checksums,
      preparedUrls,
      options: this.options,
      now: this.now,
      random: this.random,
      lifetime: this.lifetime.signal,
      activitySignal: () => this.activity.signal,
      waitUntilRunnable: () => this.waitUntilRunnable(),
      isOnline: () => this.online,
      onBytesSent: (partNumber, loadedBytes, bytes) => {
        if (this.tracker.recordSent(partNumber, loadedBytes, bytes)) this.emit();
      },
      onPartConfirmed: (partNumber, bytes) => {
        this.tracker.confirm(partNumber, bytes);
        this.partsConfirmed += 1;
        this.emit();
      },
      fail: (error) => this.end(error),
    });
  }

  private async callBackend<T>(call: Promise<T>, doing: string): Promise<T> {
    const signal = this.lifetime.signal;
    try {
      return await untilAborted(call, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toBackendError(error, doing);
    }
  }

  private requireUsablePlan(plan: PartPlan): void {
    const problem = describePlanProblem(plan, this.file.size);
    if (problem) throw new UploadError("backend", `The server's upload plan is unusable: ${problem}.`, { retryable: false });
  }

  private async cancelNow(): Promise<void> {
    this.end(new UploadError("canceled", "The upload was canceled."));
    if (!this.serverUploadMayExist) return;
    await this.preparing;
    try {
      await this.backend.abortUpload({ jobId: this.jobId });
    } catch (error) {
      throw toBackendError(error, "cancel the upload");
    }
  }

  /** Ends the upload with `error` (the first ending wins) and wakes everything that waits. */
  private end(error: UploadError): void {
    if (this.lifetime.signal.aborted || this.phase === "done") return;
    this.phase = error.code === "canceled" || error.code === "released" ? error.code : "failed";
    this.lifetime.abort(error);
    this.activity.abort(error);
    this.wake();
    this.emit();
  }

  private async waitUntilRunnable(): Promise<void> {
    for (;;) {
      this.lifetime.signal.throwIfAborted();
      if (!this.paused && this.online) return;
      await new Promise<void>((resolve) => this.wakeWaiters.add(resolve));
    }
  }

  private setOnline(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    if (online) {
      this.reopenActivity();
      this.wake();
    } else {
      this.activity.abort(new Error("The browser went offline"));
      this.tracker.restartSpeedClock();
    }
    this.emit();
  }

  private reopenActivity(): void {
    if (this.activity.signal.aborted && !this.paused && this.online && !this.lifetime.signal.aborted) {
      this.activity = new AbortController();
    }
  }

  private wake(): void {
    const waiters = [...this.wakeWaiters];
    this.wakeWaiters.clear();
    waiters.forEach((wake) => wake());
  }

  private isPausablePhase(): boolean {
    return this.phase === "idle" || this.phase === "preparing" || this.phase === "uploading";
  }

  private setPhase(phase: Phase): void {
    if (this.lifetime.signal.aborted) return;
    this.phase = phase;
    this.emit();
  }

  private status(): UploadStatus {
    if (this.isPausablePhase()) {
      if (this.paused) return "paused";
      if (!this.online && this.phase !== "idle") return "offline";
    }
    return this.phase;
  }

  private buildSnapshot(): UploadSnapshot {
    const status = this.status();
    const figures = this.tracker.figures(status === "uploading");
    const error = this.lifetime.signal.aborted ? (this.lifetime.signal.reason as UploadError) : null;
    return {
      ...figures,
      percent: status === "done" ? 100 : figures.percent,
      status,
      partsTotal: this.plan?.partCount ?? 0,
      partsConfirmed: this.partsConfirmed,
      error,
    };
  }

  private emit(): void {
    this.snapshot = this.buildSnapshot();
    this.keepFiguresFresh(this.snapshot.status === "uploading");
    for (const listener of this.listeners) {
      try {
        listener(this.snapshot);
      } catch (error) {
        // A broken listener must not break the upload; report it without interrupting.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private keepFiguresFresh(uploading: boolean): void {
    if (uploading && this.figuresTimer === null) {
      this.figuresTimer = setInterval(() => {
        const next = this.buildSnapshot();
        if (next.bytesPerSecond !== this.snapshot.bytesPerSecond || next.etaSeconds !== this.snapshot.etaSeconds) this.emit();
      }, FIGURES_REFRESH_MS);
    } else if (!uploading && this.figuresTimer !== null) {
      clearInterval(this.figuresTimer);
      this.figuresTimer = null;
    }
  }
}

/** The plan's part numbers the server has not recorded, ascending. */
function missingPartNumbers(plan: PartPlan, recordedPartNumbers: ReadonlySet<number>): number[] {
  const missing: number[] = [];
  for (let partNumber = 1; partNumber <= plan.partCount; partNumber++) {
    if (!recordedPartNumbers.has(partNumber)) missing.push(partNumber);
  }
  return missing;
}

/** from, from + 1, …, to (none when to < from). */
function partNumbersFrom(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
