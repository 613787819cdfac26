/**
 * The job state machine. Pure: imported by Convex functions, the worker and the UI.
 *
 *   CREATED → META_READY → UPLOAD_READY → UPLOADING → UPLOADED → PROCESSING → READY
 *   FAILED from any non-terminal state; PROCESSING → UPLOADED is the one backward
 *   edge (a retry after a lost worker or a retryable error).
 */
export const JOB_STATUSES = [
  "CREATED",
  "META_READY",
  "UPLOAD_READY",
  "UPLOADING",
  "UPLOADED",
  "PROCESSING",
  "READY",
  "FAILED",
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

const ALLOWED_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  CREATED: ["META_READY", "FAILED"],
  META_READY: ["UPLOAD_READY", "FAILED"],
  UPLOAD_READY: ["UPLOADING", "FAILED"],
  UPLOADING: ["UPLOADED", "FAILED"],
  UPLOADED: ["PROCESSING", "FAILED"],
  PROCESSING: ["READY", "UPLOADED", "FAILED"],
  READY: [],
  FAILED: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: JobStatus): boolean {
  return ALLOWED_TRANSITIONS[status].length === 0;
}

export function nextStatuses(from: JobStatus): readonly JobStatus[] {
  return ALLOWED_TRANSITIONS[from];
}

/** The happy path, in order — what the stepper draws. */
export const HAPPY_PATH: readonly JobStatus[] = JOB_STATUSES.filter((s) => s !== "FAILED");
