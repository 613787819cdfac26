/**
 * How an upload ends when it does not complete. The UI switches on `code` (a closed set), never
 * on the message; `retryable` says whether resuming the same file later can help.
 */

export const UPLOAD_ERROR_CODES = [
  /** The connection kept failing or stalling after every retry. */
  "network",
  /** Storage kept answering 5xx/408/429 after every retry. */
  "storage_unavailable",
  /** Storage refused a part for a reason retrying cannot fix (a 4xx, or 403 on fresh URLs). */
  "storage_rejected",
  /** Storage accepted a part but the browser could not read its ETag (CORS ExposeHeaders). */
  "missing_etag",
  /** Storage kept holding other bytes than the file's, after re-reading and re-sending. */
  "integrity",
  /** The selected file is not the one this upload started with. */
  "file_mismatch",
  /** The browser could not read the file (moved, deleted or changed on disk). */
  "file_unreadable",
  /** The server has no unfinished upload for this job to resume. */
  "no_session",
  /** A server call failed or answered something the engine cannot use. */
  "backend",
  /** The user canceled. */
  "canceled",
  /** This page stopped sending (`release()`, e.g. the user left it); the server keeps the parts for a resume. */
  "released",
] as const;

export type UploadErrorCode = (typeof UPLOAD_ERROR_CODES)[number];

const RETRYABLE_BY_DEFAULT: Readonly<Record<UploadErrorCode, boolean>> = {
  network: true,
  storage_unavailable: true,
  storage_rejected: false,
  missing_etag: false,
  integrity: false,
  file_mismatch: false,
  file_unreadable: false,
  no_session: false,
  backend: true,
  canceled: false,
  released: true,
};

export class UploadError extends Error {
  override readonly name = "UploadError";
  readonly retryable: boolean;

  constructor(
    readonly code: UploadErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
  }
}

/** A rejection from a server call: kept when the backend adapter already classified it. */
export function toBackendError(error: unknown, doing: string): UploadError {
  if (error instanceof UploadError) return error;
  const reason = error instanceof Error && error.message ? `: ${error.message}` : ".";
  return new UploadError("backend", `The server could not ${doing}${reason}`, { cause: error });
}

/** Any rejection as an UploadError; anything unclassified is a bug or a surprise, reported as such. */
export function asUploadError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new UploadError("backend", `The upload stopped unexpectedly: ${detail}`, { cause: error });
}
