/** The settings of clips on demand and of keeping sources for them, read at call time, with their defaults. */
import { DEFAULT_MAX_CLIP_SECONDS } from "../lib/clipFrames";
import { positiveSetting, wholeSetting } from "../lib/settingNumbers";
import { functionEnv } from "./functionEnv";

export const CLIP_DEFAULTS = {
  maxClipSeconds: DEFAULT_MAX_CLIP_SECONDS,
  /** Clips one user may have QUEUED or RENDERING at once: a burst cannot hold every worker. */
  clipsWaitingPerUser: 5,
  sourceRetentionDays: 30,
} as const;

/**
 * Clips one job may ever have: its clip list is one query (Convex reads are bounded), and a
 * task's index is its artifacts' (at most 999 in the worker's contract).
 */
export const MAX_CLIPS_PER_JOB = 200;

export function maxClipSeconds(): number {
  return positiveSetting(functionEnv().MAX_CLIP_SECONDS, CLIP_DEFAULTS.maxClipSeconds);
}

export function clipsWaitingPerUser(): number {
  return wholeSetting(functionEnv().CLIPS_WAITING_PER_USER, CLIP_DEFAULTS.clipsWaitingPerUser);
}

export function sourceRetentionMs(): number {
  return positiveSetting(functionEnv().SOURCE_RETENTION_DAYS, CLIP_DEFAULTS.sourceRetentionDays) * 24 * 60 * 60 * 1000;
}
