/**
 * Runs one claimed job from source to READY: download through the presigned GET (hashing the
 * bytes as they arrive: CRC32C, checked against the claim's `sourceCrc32c`, and SHA-256, the
 * source's identity), probe, produce every artifact, upload each through a presigned PUT and
 * record it, then complete. A heartbeat (`jobHeartbeat.ts`) keeps the lease alive and carries
 * the progress; when it reports the job canceled (or the lease lost), the work stops and nothing
 * more is written.
 * The temporary folder is removed in every outcome. Any failure after the claim (creating
 * that folder included) stops the heartbeat and settles the job through the one failure path,
 * so a claim is never left behind with its lease still being renewed.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CRC32C_INITIAL, crc32cToBase64, crc32cUpdate } from "../../convex/lib/crc32c";
import { WORKER_FAILURE_CODES, type ClaimedJob, type ClaimRef, type WorkerFailureCode } from "../../convex/lib/workerProtocol";
import { PipelineError } from "./pipeline/pipelineError";
import { ReportedFailure } from "./reportedFailure";
import type { CaptionsSettings } from "./captions/transcribeAudio";
import { mediaRecord, probeVideo } from "./pipeline/probeVideo";
import { produceArtifacts, type ProducedArtifact } from "./pipeline/produceArtifacts";
import { JobStopped, startJobHeartbeat, type JobHeartbeat } from "./jobHeartbeat";
import { StaleClaimError, type WorkerApi } from "./workerApiClient";
import { claimedWorkFields, type WorkerLog } from "./workerLog";

export type JobOutcome = "ready" | "failed" | "requeued" | "canceled" | "lost" | "interrupted";

export type ProcessJobDeps = {
  api: WorkerApi;
  log: WorkerLog;
  /** Aborted when the worker shuts down: the job is handed back for another worker. */
  shutdownSignal: AbortSignal;
  workRoot?: string;
  fetch?: typeof fetch;
  /** Threads per ffmpeg process (`WORKER_FFMPEG_THREADS`); the pipeline's default when unset. */
  ffmpegThreads?: number;
  /** Where the captions model and CLI are (`captionsSettings()` when unset). */
  captionsSettings?: CaptionsSettings;
};

export async function processClaimedJob(job: ClaimedJob, deps: ProcessJobDeps): Promise<JobOutcome> {
  const { api, log } = deps;
  const send = deps.fetch ?? fetch;
  const claim = { jobId: job.jobId, claimToken: job.claimToken };
  return await runClaimedWork(claim, job.leaseSeconds, deps, `reeldrop-${job.jobId}-`, async ({ heartbeat, signal, workDir }) => {
    heartbeat.report("download", 0);
    const sourcePath = join(workDir, "source");
    const source = await downloadSource(send, job.source.url, sourcePath, job.source.bytes, signal, (pct) =>
      heartbeat.report("download", pct),
    );
    if (job.sourceCrc32c !== undefined && source.crc32c !== job.sourceCrc32c) {
      throw new PipelineError("integrity", "The stored file's CRC32C does not match the checksums of the parts that were uploaded.");
    }
    log.info("source downloaded", {
      jobId: job.jobId,
      bytes: source.bytes,
      crc32c: source.crc32c,
      crc32cChecked: job.sourceCrc32c !== undefined,
      sha256: source.sha256,
    });
    heartbeat.report("probe", 0);
    const media = await probeVideo(sourcePath, { maxDurationSec: job.maxVideoSeconds, signal });
    await heartbeat.beatNow(mediaRecord(media));

    const artifactsDir = join(workDir, "artifacts");
    await mkdir(artifactsDir);
    const artifacts = await produceArtifacts({
      inputPath: sourcePath,
      media,
      workDir: artifactsDir,
      signal,
      onProgress: (stage, pct) => heartbeat.report(stage, pct),
      threads: deps.ffmpegThreads,
    });

    heartbeat.report("upload", 0);
    await uploadArtifacts(api, send, claim, artifacts, signal, (pct) => heartbeat.report("upload", pct));
    throwIfStopped(signal);
    await api.complete(claim);
    log.info("job ready", { jobId: job.jobId, artifacts: artifacts.length });
  });
}

/** What a claim's work gets: its heartbeat, the signal that stops it, and a fresh folder. */
export type ClaimedWorkContext = { heartbeat: JobHeartbeat; signal: AbortSignal; workDir: string };

/**
 * Runs a claim's work (a job's or a task's) under a heartbeat, in a temporary folder removed in
 * every outcome, stopped by a shutdown (handed back) or by the heartbeat (canceled, lost). `work`
 * resolves once it has completed the claim; any failure goes through `settleFailure`.
 */
export async function runClaimedWork(
  claim: ClaimRef,
  leaseSeconds: number,
  deps: ProcessJobDeps,
  folderPrefix: string,
  work: (context: ClaimedWorkContext) => Promise<void>,
): Promise<JobOutcome> {
  const { api, log } = deps;
  const stop = new AbortController();
  const onShutdown = () => stop.abort(new JobStopped("interrupted"));
  deps.shutdownSignal.addEventListener("abort", onShutdown, { once: true });
  if (deps.shutdownSignal.aborted) onShutdown();

  const heartbeat = startJobHeartbeat({ api, claim, leaseSeconds, stop, log });
  let workDir: string | undefined;
  try {
    workDir = await mkdtemp(join(deps.workRoot ?? tmpdir(), folderPrefix));
    await work({ heartbeat, signal: stop.signal, workDir });
    return "ready";
  } catch (error) {
    return await settleFailure(api, claim, error, stop.signal, log);
  } finally {
    heartbeat.stop();
    deps.shutdownSignal.removeEventListener("abort", onShutdown);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The one failure path of a claim, a job's or a task's: stopped work (canceled, lost) writes
 * nothing; a shutdown hands it back (`interrupted`); a `PipelineError` reports its code and the
 * message for the owner; anything else is a `processing_error`, retried with a backoff.
 */
export async function settleFailure(
  api: WorkerApi,
  claim: ClaimRef,
  error: unknown,
  signal: AbortSignal,
  log: WorkerLog,
): Promise<JobOutcome> {
  const stopped = signal.aborted && signal.reason instanceof JobStopped ? signal.reason.outcome : null;
  if (stopped === "canceled" || stopped === "lost" || error instanceof StaleClaimError) {
    log.info("job stopped", { ...claimedWorkFields(claim), reason: stopped ?? "lost" });
    return stopped ?? "lost";
  }
  const failure: { code: WorkerFailureCode; message: string } =
    stopped === "interrupted"
      ? { code: "interrupted" as const, message: "The worker shut down before finishing; the job goes back to the queue." }
      : error instanceof PipelineError
        ? { code: workerFailureCode(error), message: error.message }
        : error instanceof ReportedFailure
          ? { code: error.code, message: error.message }
          : { code: "processing_error" as const, message: "Processing failed unexpectedly." };
  if (stopped === "interrupted") log.info("job handed back", claimedWorkFields(claim));
  else log.warn("job failed", { ...claimedWorkFields(claim), code: failure.code, cause: describe(error) });
  try {
    const { outcome } = await api.fail({ ...claim, ...failure });
    return stopped === "interrupted" ? "interrupted" : outcome;
  } catch (failError) {
    if (failError instanceof StaleClaimError) return "lost";
    throw failError;
  }
}

function workerFailureCode(error: PipelineError): WorkerFailureCode {
  return (WORKER_FAILURE_CODES as readonly string[]).includes(error.code)
    ? (error.code as WorkerFailureCode)
    : "processing_error";
}

/** What the download saw: its size, CRC32C (base64, as `x-amz-checksum-crc32c`) and SHA-256 (hex). */
type DownloadedSource = { bytes: number; crc32c: string; sha256: string };

/** Streams the source to `path`, hashing each chunk on its way: the file is never read again for it. */
async function downloadSource(
  send: typeof fetch,
  url: string,
  path: string,
  expectedBytes: number,
  signal: AbortSignal,
  onProgress: (pct: number) => void,
): Promise<DownloadedSource> {
  const response = await send(url, { signal });
  if (!response.ok || response.body === null) {
    throw new Error(`Downloading the source failed with HTTP ${response.status}`);
  }
  let received = 0;
  let crc = CRC32C_INITIAL;
  const sha256 = createHash("sha256");
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    received += chunk.length;
    crc = crc32cUpdate(crc, chunk);
    sha256.update(chunk);
    if (expectedBytes > 0) onProgress((100 * received) / expectedBytes);
  });
  await pipeline(body, createWriteStream(path), { signal });
  if (expectedBytes > 0 && received !== expectedBytes) {
    throw new PipelineError("integrity", `Expected ${expectedBytes} bytes of source but received ${received}.`);
  }
  return { bytes: received, crc32c: crc32cToBase64(crc), sha256: sha256.digest("hex") };
}

/** Each artifact through its presigned PUT, then recorded (an upsert: a retry writes it once). */
export async function uploadArtifacts(
  api: WorkerApi,
  send: typeof fetch,
  claim: ClaimRef,
  artifacts: readonly ProducedArtifact[],
  signal: AbortSignal,
  onProgress: (pct: number) => void,
): Promise<void> {
  const { uploads } = await api.artifactUploadUrls({
    ...claim,
    artifacts: artifacts.map(({ kind, index }) => ({ kind, index })),
  });
  let done = 0;
  for (const artifact of artifacts) {
    throwIfStopped(signal);
    const target = uploads.find((u) => u.kind === artifact.kind && u.index === artifact.index);
    if (!target) throw new Error(`No upload URL for ${artifact.kind} ${artifact.index}`);
    // Artifacts are small (stills, short clips, audio): reading one whole is fine.
    const body = await readFile(artifact.path);
    const response = await send(target.url, {
      method: "PUT",
      body,
      headers: { "content-type": target.contentType },
      signal,
    });
    if (!response.ok) throw new Error(`Uploading ${artifact.kind} ${artifact.index} failed with HTTP ${response.status}`);
    await api.recordArtifact({
      ...claim,
      artifact: {
        kind: artifact.kind,
        index: artifact.index,
        bytes: artifact.bytes,
        ...pick(artifact, ["width", "height", "durationSec", "startSec"]),
      },
    });
    done++;
    onProgress((100 * done) / artifacts.length);
  }
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const result: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) result[key] = value[key];
  return result;
}

export function throwIfStopped(signal: AbortSignal) {
  if (signal.aborted) throw signal.reason;
}

/**
 * The error and every cause under it, for the log: a failure's message is written for the
 * person who uploaded, and the reason an operator needs (ffmpeg's last words, "install
 * FFmpeg", the file that was not written) is in its causes.
 */
function describe(error: unknown): string {
  const chain: string[] = [];
  for (let current = error; current !== undefined && chain.length < 8; ) {
    chain.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain.join(" ← caused by ");
}
