/**
 * The worker needs exactly two settings: where the Convex deployment's HTTP API is and the
 * shared secret. It holds no storage credentials — Convex signs every URL it uses.
 */
import { hostname } from "node:os";
import { WORK_KINDS, type WorkKind } from "../../convex/lib/workerProtocol";
import { DEFAULT_FFMPEG_THREADS } from "./pipeline/produceArtifacts";

const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;

/** A day: Modal's longest function run, and well inside what a Node timer can wait. */
const MAX_DRAIN_CLAIM_SECONDS = 24 * 60 * 60;

/** More threads than this only add memory: each decoder thread holds frames of its own. */
const MAX_FFMPEG_THREADS = 16;

/**
 * What a worker serves unless `WORKER_KINDS` says otherwise: every kind an FFmpeg worker can do.
 * A GPU worker for captions sets `WORKER_KINDS=captions`.
 */
export const DEFAULT_WORKER_KINDS: readonly WorkKind[] = ["process", "clip"];

export type WorkerSettings = {
  /** The work it claims (`WORKER_KINDS`, comma-separated: process, clip). */
  kinds: readonly WorkKind[];
  convexSiteUrl: string;
  workerSecret: string;
  workerId: string;
  /** Jobs processed at once by `npm run worker`. */
  concurrency: number;
  /** How long jobs in hand may still finish after SIGTERM/SIGINT before they are handed back. */
  shutdownGraceMs: number;
  /** Threads per ffmpeg process (`WORKER_FFMPEG_THREADS`): its CPUs, as memory grows with them. */
  ffmpegThreads: number;
  /**
   * In drain mode, stop claiming this long after starting (`WORKER_DRAIN_CLAIM_SECONDS`, up to a
   * day, set by `modal/app.py` so every claimed job has the rest of the drain's time limit);
   * unset or unusable: no limit.
   */
  drainClaimMs: number | undefined;
};

export class WorkerSettingsError extends Error {}

export function readWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const convexSiteUrl = env.CONVEX_SITE_URL?.trim();
  const workerSecret = env.WORKER_SECRET ?? "";
  const missing = [!convexSiteUrl && "CONVEX_SITE_URL", !workerSecret && "WORKER_SECRET"].filter(Boolean);
  if (missing.length > 0) throw new WorkerSettingsError(`The worker needs ${missing.join(" and ")} to be set.`);
  const concurrency = Number(env.WORKER_CONCURRENCY ?? "1");
  const ffmpegThreads = Number(env.WORKER_FFMPEG_THREADS || DEFAULT_FFMPEG_THREADS);
  const drainClaimSeconds = Number(env.WORKER_DRAIN_CLAIM_SECONDS);
  const shutdownGraceSeconds = Number(env.WORKER_SHUTDOWN_GRACE_SECONDS || DEFAULT_SHUTDOWN_GRACE_SECONDS);
  const kinds = (env.WORKER_KINDS ?? "").split(",").map((kind) => kind.trim()).filter(Boolean);
  const unknown = kinds.filter((kind) => !(WORK_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new WorkerSettingsError(`WORKER_KINDS names work no worker does: ${unknown.join(", ")} (known: ${WORK_KINDS.join(", ")}).`);
  return {
    kinds: kinds.length > 0 ? (kinds as WorkKind[]) : DEFAULT_WORKER_KINDS,
    convexSiteUrl: convexSiteUrl!.replace(/\/+$/, ""),
    workerSecret,
    workerId: env.WORKER_ID?.trim() || `${hostname()}-${process.pid}`,
    concurrency: Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 16 ? concurrency : 1,
    shutdownGraceMs:
      (Number.isFinite(shutdownGraceSeconds) && shutdownGraceSeconds >= 0 ? shutdownGraceSeconds : DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000,
    ffmpegThreads:
      Number.isInteger(ffmpegThreads) && ffmpegThreads >= 1 && ffmpegThreads <= MAX_FFMPEG_THREADS
        ? ffmpegThreads
        : DEFAULT_FFMPEG_THREADS,
    drainClaimMs:
      Number.isFinite(drainClaimSeconds) && drainClaimSeconds > 0 && drainClaimSeconds <= MAX_DRAIN_CLAIM_SECONDS
        ? drainClaimSeconds * 1000
        : undefined,
  };
}
