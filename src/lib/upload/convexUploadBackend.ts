/**
 * The engine's `UploadBackend` over the Convex functions in `convex/uploads.ts`, one call per
 * method. Refusals the server explains (`ConvexError` with `{ code, message }`) become the
 * engine's `UploadError` codes, keeping the server's sentence; anything else (a dropped action,
 * a server bug) is left for the engine to report as a `backend` error of the step it was taking.
 */
import type { ConvexReactClient } from "convex/react";
import { ConvexError } from "convex/values";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { AppErrorCode } from "../../../convex/lib/appErrors";
import { computePartPlan, MAX_PLANNABLE_BYTES, PREFERRED_PART_SIZE } from "../../../convex/lib/partPlan";
import type { UploadBackend } from "./uploadBackend";
import { UploadError, type UploadErrorCode } from "./uploadError";

/** The part of `ConvexReactClient` the adapter calls (tests pass a fake). */
export type ConvexUploadClient = Pick<ConvexReactClient, "action" | "mutation" | "query">;

type Classification = { code: UploadErrorCode; retryable: boolean };

/**
 * What each server refusal means to the upload. Codes not listed are refusals that resuming
 * with the same file cannot fix (a file the server does not take, rights not confirmed, …).
 */
const SERVER_REFUSALS: Partial<Record<AppErrorCode, Classification>> = {
  // The job stopped waiting for this file: completed, canceled or failed elsewhere, or gone.
  invalid_state: { code: "no_session", retryable: false },
  not_found: { code: "no_session", retryable: false },
  // Some parts were never recorded: resuming sends exactly those.
  parts_missing: { code: "backend", retryable: true },
  // Storage holds other bytes than the file's (the server has failed the job).
  size_mismatch: { code: "integrity", retryable: false },
  storage_error: { code: "storage_unavailable", retryable: true },
  // The session expired; a reload signs in again and resumes.
  unauthenticated: { code: "backend", retryable: true },
};

const NOT_RETRYABLE: Classification = { code: "backend", retryable: false };

/**
 * The `UploadError` for a server refusal (`ConvexError` with `{ code, message }`); any other
 * rejection is returned unchanged.
 */
export function classifyServerError(error: unknown): unknown {
  if (!(error instanceof ConvexError)) return error;
  const data: unknown = error.data;
  if (data === null || typeof data !== "object") return error;
  const { code, message } = data as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || typeof message !== "string") return error;
  const { code: uploadCode, retryable } = SERVER_REFUSALS[code as AppErrorCode] ?? NOT_RETRYABLE;
  return new UploadError(uploadCode, message, { retryable, cause: error });
}

/** The server's code behind an `UploadError` the adapter made, e.g. `not_a_video_type`. */
export function serverErrorCode(error: UploadError): string | undefined {
  const { cause } = error;
  if (!(cause instanceof ConvexError)) return undefined;
  const code: unknown = (cause.data as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The server's part size for a file of `fileSize` bytes. A size no plan can describe (empty,
 * beyond 10,000 parts of 5 GiB) is refused by `prepareUpload` with its own message; until then
 * any size will do.
 */
export function expectedPartSize(fileSize: number): number {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0 || fileSize > MAX_PLANNABLE_BYTES) return PREFERRED_PART_SIZE;
  return computePartPlan(fileSize).partSize;
}

export function createConvexUploadBackend(client: ConvexUploadClient): UploadBackend {
  const jobIdOf = (jobId: string) => jobId as Id<"video_jobs">;
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw classifyServerError(error);
    }
  };
  return {
    expectedPartSize,
    prepareUpload: ({ jobId, file }) =>
      call(async () => {
        const { partSize, partCount } = await client.action(api.uploads.prepareUpload, { jobId: jobIdOf(jobId), file });
        return { partSize, partCount };
      }),
    getUploadPartUrls: ({ jobId, parts }) =>
      call(() => client.action(api.uploads.getUploadPartUrls, { jobId: jobIdOf(jobId), parts })),
    reportUploadedPart: ({ jobId, ...part }) =>
      call(() => client.mutation(api.uploads.reportUploadedPart, { jobId: jobIdOf(jobId), ...part })),
    recordFileSha256: ({ jobId, sha256 }) =>
      call(() => client.mutation(api.uploads.recordFileSha256, { jobId: jobIdOf(jobId), sha256 })),
    completeUpload: ({ jobId }) => call(() => client.action(api.uploads.completeUpload, { jobId: jobIdOf(jobId) })),
    abortUpload: ({ jobId }) => call(() => client.mutation(api.uploads.abortUpload, { jobId: jobIdOf(jobId) })),
    // One-shot: the engine reads the session once, when it resumes.
    uploadSession: ({ jobId }) => call(() => client.query(api.uploads.uploadSession, { jobId: jobIdOf(jobId) })),
  };
}
