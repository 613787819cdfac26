/**
 * Structured failures: a closed set of codes, each with a default sentence a person
 * understands and whether retrying can help. Pure, shared with the worker and the UI.
 */
export const FAILURE_CODES = [
  "invalid_url",
  "video_not_found",
  "upload_aborted",
  "upload_abandoned",
  "not_a_video",
  "too_long",
  "too_large_resolution",
  "integrity",
  "worker_lost",
  "processing_error",
  "canceled",
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

export type JobFailure = { code: FailureCode; message: string; retryable: boolean };

const FAILURE_DEFAULTS: Readonly<Record<FailureCode, { message: string; retryable: boolean }>> = {
  invalid_url: { message: "That is not a link to a YouTube video.", retryable: false },
  video_not_found: {
    message: "YouTube has no video at that link. Check the link and try again.",
    retryable: false,
  },
  upload_aborted: { message: "The upload was stopped before it finished.", retryable: false },
  upload_abandoned: {
    message: "The upload was left unfinished for too long and has been cleared.",
    retryable: false,
  },
  not_a_video: { message: "The uploaded file is not a video we can read.", retryable: false },
  too_long: { message: "The video is longer, or has more frames, than we can process.", retryable: false },
  too_large_resolution: {
    message: "The video's picture is larger than we can process (at most 4K).",
    retryable: false,
  },
  integrity: {
    message: "The uploaded file does not match what the browser sent. Upload it again.",
    retryable: false,
  },
  worker_lost: {
    message: "Processing stopped unexpectedly several times. Please try again later.",
    retryable: true,
  },
  processing_error: { message: "Processing failed.", retryable: true },
  canceled: { message: "You canceled this job.", retryable: false },
};

export function isFailureCode(value: string): value is FailureCode {
  return (FAILURE_CODES as readonly string[]).includes(value);
}

/** The code's plain sentence; a failure's own message may say more (shown as its details). */
export function defaultFailureMessage(code: FailureCode): string {
  return FAILURE_DEFAULTS[code].message;
}

export function makeFailure(code: FailureCode, message?: string): JobFailure {
  const defaults = FAILURE_DEFAULTS[code];
  return { code, message: message ?? defaults.message, retryable: defaults.retryable };
}
