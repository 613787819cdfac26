/**
 * The worker needs exactly two settings: where the Convex deployment's HTTP API is and the
 * shared secret. It holds no storage credentials — Convex signs every URL it uses.
 */
import { hostname } from "node:os";

export type WorkerSettings = {
  convexSiteUrl: string;
  workerSecret: string;
  workerId: string;
  /** Jobs processed at once by `npm run worker`. */
  concurrency: number;
};

export class WorkerSettingsError extends Error {}

export function readWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const convexSiteUrl = env.CONVEX_SITE_URL?.trim();
  const workerSecret = env.WORKER_SECRET ?? "";
  const missing = [!convexSiteUrl && "CONVEX_SITE_URL", !workerSecret && "WORKER_SECRET"].filter(Boolean);
  if (missing.length > 0) throw new WorkerSettingsError(`The worker needs ${missing.join(" and ")} to be set.`);
  const concurrency = Number(env.WORKER_CONCURRENCY ?? "1");
  return {
    convexSiteUrl: convexSiteUrl!.replace(/\/+$/, ""),
    workerSecret,
    workerId: env.WORKER_ID?.trim() || `${hostname()}-${process.pid}`,
    concurrency: Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 16 ? concurrency : 1,
  };
}
