/** The worker settings Convex reads, in one place, with their documented defaults. */
import { functionEnv } from "./functionEnv";
import { positiveSetting, wholeSetting } from "../lib/settingNumbers";

export const WORKER_DEFAULTS = {
  leaseSeconds: 120,
  maxAttempts: 3,
  retryBaseDelaySeconds: 15,
  maxVideoSeconds: 4 * 60 * 60,
} as const;

export function workerLeaseMs(): number {
  return positiveSetting(functionEnv().WORKER_LEASE_SECONDS, WORKER_DEFAULTS.leaseSeconds) * 1000;
}

export function workerMaxAttempts(): number {
  return wholeSetting(functionEnv().WORKER_MAX_ATTEMPTS, WORKER_DEFAULTS.maxAttempts);
}

export function maxVideoSeconds(): number {
  return positiveSetting(functionEnv().MAX_VIDEO_SECONDS, WORKER_DEFAULTS.maxVideoSeconds);
}

/**
 * Delay before a retried job may be claimed again: exponential in the attempt number, with
 * full jitter on its upper half so that jobs lost together do not come back together.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = positiveSetting(functionEnv().WORKER_RETRY_BASE_SECONDS, WORKER_DEFAULTS.retryBaseDelaySeconds) * 1000;
  const ceiling = base * 2 ** Math.max(0, attempt - 1);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
