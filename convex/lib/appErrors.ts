/**
 * User-facing errors: a `ConvexError` whose data is `{ code, message }`. The UI switches on
 * `code` (a closed set), never on message text.
 */
import { ConvexError } from "convex/values";

export const APP_ERROR_CODES = [
  "unauthenticated",
  "not_found",
  "invalid_argument",
  "invalid_url",
  "invalid_transition",
  "invalid_state",
  "rights_required",
  "stale_statement",
  "file_too_large",
  "file_empty",
  "not_a_video_type",
  "parts_missing",
  "part_out_of_range",
  "storage_error",
  "size_mismatch",
  "parts_rejected",
  "invalid_checksum",
  "stale_claim",
  "rate_limited",
  /** A clip's range is not inside the video, not finite, or too short or too long (`lib/clipFrames.ts`). */
  "invalid_clip_range",
  /** The owner already has as many clips waiting as `CLIPS_WAITING_PER_USER` allows, or the job as many as it may have. */
  "too_many_clips",
  /** The job's uploaded video is no longer kept (`SOURCE_RETENTION_DAYS`): nothing more can be cut from it. */
  "source_gone",
  /** Captions are asked of a job whose captions are not READY with speech (burn-in), or cannot be retried now. */
  "captions_not_ready",
  /** `captions.retry` past `MAX_CAPTIONS_TASKS_PER_JOB` tries. */
  "too_many_retries",
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export type AppErrorData = { code: AppErrorCode; message: string } & Record<string, string | number | boolean | number[]>;

/** Whether `error` is the `ConvexError` that `appError(code, …)` made (as thrown, or rethrown by ctx.run*). */
export function isAppError(error: unknown, code: AppErrorCode): boolean {
  return error instanceof ConvexError && (error.data as { code?: unknown } | null)?.code === code;
}

export function appError(
  code: AppErrorCode,
  message: string,
  extra: Record<string, string | number | boolean | number[]> = {},
): ConvexError<AppErrorData> {
  return new ConvexError<AppErrorData>({ ...extra, code, message });
}
