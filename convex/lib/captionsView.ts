/**
 * What a job's captions task reads as on the page: its progress over its stages and its
 * failures in the owner's words. Pure, shared by `captions.ts` and the UI.
 */
import type { TaskFailure, TaskFailureCode } from "./taskStatus";

/** A captions task's stages (`heartbeat.stage`) and the share of the bar each ends at. */
const STAGE_ENDS: Readonly<Record<string, readonly [number, number]>> = {
  claimed: [0, 0],
  audio: [0, 10],
  transcribe: [10, 90],
  upload: [90, 100],
};

export function captionsProgress(progress: { stage: string; pct: number } | undefined): number {
  const [from, to] = STAGE_ENDS[progress?.stage ?? "claimed"] ?? [0, 0];
  return Math.round(from + ((to - from) * Math.min(100, Math.max(0, progress?.pct ?? 0))) / 100);
}

const CAPTIONS_FAILURE_MESSAGES: Readonly<Record<TaskFailureCode, string>> = {
  source_gone: "The uploaded video is no longer kept, so captions cannot be made.",
  render_failed: "Captions could not be made from this video.",
  processing_error: "Transcribing failed several times. Try again later.",
  worker_lost: "Transcribing stopped unexpectedly several times. Try again later.",
  audio_unreadable: "The video's sound could not be read, so there are no captions.",
  no_audio: "The video has no sound track, so there are no captions.",
  captions_unavailable: "Captions could not be made right now (the transcriber was not available). Try again later.",
};

/** The failure in words about captions (a task's stored message may speak of clips: `worker_lost`). */
export function captionsFailure(code: TaskFailureCode): TaskFailure {
  return { code, message: CAPTIONS_FAILURE_MESSAGES[code] };
}
