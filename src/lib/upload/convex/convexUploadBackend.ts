/**
 * The engine's `UploadBackend` over the Convex functions in `convex/uploads.ts`, one call per
 * method. Refusals the server explains (`ConvexError` with `{ code, message }`) become the
 * engine's `UploadError` codes, keeping the server's sentence; anything else (a server bug) is
 * left for the engine to report as a `backend` error of the step it was taking.
 *
 * The Convex client waits out a lost connection for queries and mutations (it sends mutations
 * again), but it rejects an action that was in flight when the connection dropped, since it
 * cannot know whether the action ran. This adapter calls such an action again: signing URLs and
 * completing are safe to repeat (completing an upload the server already completed succeeds),
 * and `prepareUpload`, which is not, first reads the job's session to see whether it ran.
 */
import type { ConvexReactClient } from "convex/react";
import { ConvexError } from "convex/values";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import type { AppErrorCode } from "../../../../convex/lib/appErrors";
import { computePartPlan, MAX_PLANNABLE_BYTES, PREFERRED_PART_SIZE } from "../../../../convex/lib/partPlan";
import type { FileFingerprint, UploadBackend } from "../core/uploadBackend";
import { UploadError, type UploadErrorCode } from "../core/uploadError";

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
  parts_rejected: { code: "integrity", retryable: false },
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

/**
 * How `ConvexReactClient` rejects an action that was in flight when its WebSocket reconnected
 * (`convex/browser` `RequestManager.restart`): the action may or may not have run.
 */
export const LOST_ACTION_MESSAGE = "Connection lost while action was in flight";

function isLostAction(error: unknown): boolean {
  return error instanceof Error && !(error instanceof ConvexError) && error.message.includes(LOST_ACTION_MESSAGE);
}

export interface ConvexUploadBackendOptions {
  /** Waits before calling a lost action again, one per retry: after the last, the loss is the error. */
  lostActionRetryDelaysMs: readonly number[];
}

const DEFAULT_OPTIONS: ConvexUploadBackendOptions = { lostActionRetryDelaysMs: [500, 1_000, 2_000, 4_000, 8_000] };

export function createConvexUploadBackend(
  client: ConvexUploadClient,
  options: Partial<ConvexUploadBackendOptions> = {},
): UploadBackend {
  const { lostActionRetryDelaysMs } = { ...DEFAULT_OPTIONS, ...options };
  const jobIdOf = (jobId: string) => jobId as Id<"video_jobs">;
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw classifyServerError(error);
    }
  };
  /**
   * Runs `action`, and again after each wait while the connection drops under it. `alreadyRan`,
   * asked after a loss, returns the action's result when it ran before the connection dropped.
   */
  const retryingLostAction = async <T>(action: () => Promise<T>, alreadyRan?: () => Promise<T | undefined>): Promise<T> => {
    for (let retry = 0; ; retry++) {
      try {
        return await action();
      } catch (error) {
        if (!isLostAction(error) || retry >= lostActionRetryDelaysMs.length) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, lostActionRetryDelaysMs[retry]));
      const result = await alreadyRan?.();
      if (result !== undefined) return result;
    }
  };
  const readSession = (jobId: string) => client.query(api.uploads.uploadSession, { jobId: jobIdOf(jobId) });
  /** Every recorded part number, a page per query (Convex allows 8,192 elements in an array, a plan 10,000 parts). */
  const readRecordedPartNumbers = async (jobId: string): Promise<number[]> => {
    const partNumbers: number[] = [];
    let afterPartNumber: number | undefined;
    for (;;) {
      const page = await client.query(api.uploads.recordedPartNumbers, {
        jobId: jobIdOf(jobId),
        ...(afterPartNumber === undefined ? {} : { afterPartNumber }),
      });
      if (page === null) return partNumbers;
      partNumbers.push(...page.partNumbers);
      if (page.continueAfter === null) return partNumbers;
      afterPartNumber = page.continueAfter;
    }
  };
  return {
    expectedPartSize,
    prepareUpload: ({ jobId, file, parts }) =>
      call(() =>
        retryingLostAction(
          async () => {
            const { partSize, partCount, urls } = await client.action(api.uploads.prepareUpload, {
              jobId: jobIdOf(jobId),
              file,
              ...(parts === undefined ? {} : { parts }),
            });
            return { partSize, partCount, urls };
          },
          // A session for this very file means the lost call opened it: calling again would be
          // refused. Its URLs were lost with it; the engine signs those parts again.
          async () => {
            const session = await readSession(jobId);
            if (session?.status !== "UPLOAD_READY" || !isSameFile(session.fingerprint, file)) return undefined;
            return { partSize: session.partSize, partCount: session.partCount, urls: [] };
          },
        ),
      ),
    getUploadPartUrls: ({ jobId, parts }) =>
      call(() => retryingLostAction(() => client.action(api.uploads.getUploadPartUrls, { jobId: jobIdOf(jobId), parts }))),
    reportUploadedPart: ({ jobId, ...part }) =>
      call(() => client.mutation(api.uploads.reportUploadedPart, { jobId: jobIdOf(jobId), ...part })),
    completeUpload: ({ jobId }) =>
      call(() => retryingLostAction(() => client.action(api.uploads.completeUpload, { jobId: jobIdOf(jobId) }))),
    abortUpload: ({ jobId }) => call(() => client.mutation(api.uploads.abortUpload, { jobId: jobIdOf(jobId) })),
    // One-shot: the engine reads the session once, when it resumes.
    uploadSession: ({ jobId }) =>
      call(async () => {
        const session = await readSession(jobId);
        return session && { ...session, recordedPartNumbers: await readRecordedPartNumbers(jobId) };
      }),
  };
}

function isSameFile(fingerprint: FileFingerprint, file: FileFingerprint): boolean {
  return (
    fingerprint.name === file.name &&
    fingerprint.size === file.size &&
    fingerprint.lastModified === file.lastModified &&
    fingerprint.firstPartCrc32c === file.firstPartCrc32c
  );
}
