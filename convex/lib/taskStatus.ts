/**
 * Tasks: work on a READY job that comes after its processing (a clip the creator asks for;
 * captions, later), each a row of its own with this small state machine. Pure: imported by
 * Convex functions, the worker and the UI. The job's own state machine (`jobStatus.ts`) is
 * untouched by tasks: a READY job stays READY whatever its tasks do.
 *
 *   QUEUED → RUNNING → READY
 *   FAILED from QUEUED or RUNNING; RUNNING → QUEUED is the one backward edge (a retry after a
 *   lost worker or a retryable error, or a hand-back), as PROCESSING → UPLOADED is for jobs.
 *
 * A clip's RUNNING is what its owner reads as RENDERING (`clipStatusOf`).
 */
export const TASK_KINDS = ["clip", "captions"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = ["QUEUED", "RUNNING", "READY", "FAILED"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const ALLOWED_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  QUEUED: ["RUNNING", "FAILED"],
  RUNNING: ["READY", "QUEUED", "FAILED"],
  READY: [],
  FAILED: [],
};

export function canTransitionTask(from: TaskStatus, to: TaskStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function isTaskTerminal(status: TaskStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0;
}

/** A task that still holds a place in its owner's queue: not yet READY or FAILED. */
export const WAITING_TASK_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((status) => !isTaskTerminal(status));

/**
 * Why a task failed: a closed set, each with a sentence for its owner. `render_failed` is the
 * worker's permanent refusal (the source could not be read or cut); `processing_error` and
 * `worker_lost` are retried up to `WORKER_MAX_ATTEMPTS` before they stick.
 */
export const TASK_FAILURE_CODES = [
  "source_gone",
  "render_failed",
  "processing_error",
  "worker_lost",
  /** Captions: the audio could not be decoded (`CaptionsError` audio_unreadable). */
  "audio_unreadable",
  /** Captions: the video turned out to have no audio track (`CaptionsError` no_audio). */
  "no_audio",
  /** Captions: the worker that claimed it had no model or no Python (model_missing, python_unavailable). */
  "captions_unavailable",
] as const;
export type TaskFailureCode = (typeof TASK_FAILURE_CODES)[number];
export type TaskFailure = { code: TaskFailureCode; message: string };

const TASK_FAILURE_MESSAGES: Readonly<Record<TaskFailureCode, string>> = {
  source_gone: "The uploaded video is no longer kept, so this clip cannot be made.",
  render_failed: "This clip could not be made from the uploaded video.",
  processing_error: "Making this clip failed. Try again later.",
  worker_lost: "Making this clip stopped unexpectedly several times. Try again later.",
  audio_unreadable: "The video's sound could not be read.",
  no_audio: "The video has no sound track.",
  captions_unavailable: "Captions could not be made right now.",
};

export function makeTaskFailure(code: TaskFailureCode, message?: string): TaskFailure {
  return { code, message: message ?? TASK_FAILURE_MESSAGES[code] };
}

/** The clip lifecycle as its owner reads it: QUEUED → RENDERING → READY / FAILED. */
export const CLIP_STATUSES = ["QUEUED", "RENDERING", "READY", "FAILED"] as const;
export type ClipStatus = (typeof CLIP_STATUSES)[number];

export function clipStatusOf(status: TaskStatus): ClipStatus {
  return status === "RUNNING" ? "RENDERING" : status;
}
