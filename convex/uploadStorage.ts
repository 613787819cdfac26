"use node";
/**
 * The storage half of the upload API. Each action is internal: the public functions in
 * `uploads.ts` pass the signed-in user's id, and the internal query or mutation each action
 * calls checks ownership and state before and after the storage call.
 *
 * Why Node: Convex's default runtime bundles the AWS SDK's browser build, which parses S3's XML
 * answers (CreateMultipartUpload, CompleteMultipartUpload, every error) with `DOMParser`, and that
 * runtime has none — presigning alone would work there, multipart does not. Keeping every S3
 * call in this runtime means one SDK build and one set of behaviours to test.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalAction, type ActionCtx } from "./_generated/server";
import type { ConvexError } from "convex/values";
import { appError, isAppError, type AppErrorData } from "./lib/appErrors";
import { computePartPlan } from "./lib/partPlan";
import { crc32cCombine, crc32cFromBase64, crc32cToBase64 } from "./lib/crc32c";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  deleteStoredObject,
  openSourceStorage,
  signPartUploadUrls,
  sourceObjectKey,
  type SourceStorage,
} from "./model/multipartStorage";
import { uploadLimits } from "./model/uploadConfig";
import { requireEveryPartRecorded } from "./model/uploadParts";
import { checkFileToUpload, checkPartUrlRequests } from "./model/uploadRequests";
import {
  fileToUpload,
  multipartTarget,
  partUrlBatch,
  partUrlRequest,
  preparedUpload,
  type CompletionPart,
  type CompletionPartsPage,
  type PartUrlBatch,
  type PreparedUpload,
} from "./lib/uploadValidators";

export const prepareUpload = internalAction({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), file: fileToUpload, parts: v.optional(v.array(partUrlRequest)) },
  returns: preparedUpload,
  handler: async (ctx, { userId, jobId, file: described, parts = [] }): Promise<PreparedUpload> => {
    const limits = uploadLimits();
    const file = checkFileToUpload(described, limits.maxUploadBytes);
    if (parts.length > 0) checkPartUrlRequests(parts);
    await ctx.runQuery(internal.uploads.checkJobAwaitsUpload, { userId, jobId });
    const storage = openSourceStorage();
    const plan = computePartPlan(file.size);
    const key = sourceObjectKey(jobId);
    const uploadId = await createMultipartUpload(storage, key, file.type);
    try {
      await ctx.runMutation(internal.uploads.openUploadSession, {
        userId,
        jobId,
        session: {
          uploadId,
          key,
          ...plan,
          fileName: file.name,
          fileSize: file.size,
          fileType: file.type,
          lastModified: file.lastModified,
          ...(file.firstPartCrc32c === undefined ? {} : { firstPartCrc32c: file.firstPartCrc32c }),
          startedAt: Date.now(),
        },
      });
    } catch (error) {
      // The job changed while storage was starting the upload (another tab got there first, or
      // the user stopped): drop the upload this call started, keep the job as the winner left it.
      await abortMultipartUpload(storage, { key, uploadId }).catch(() => undefined);
      throw error;
    }
    if (parts.length === 0) return { ...plan, urls: [] };
    // Signing the first parts starts the upload (UPLOAD_READY → UPLOADING), as getUploadPartUrls
    // does: their reports may follow at once. A part the plan does not have (the browser's part
    // size was not the plan's) is refused here, after the session exists, so a retry can resume.
    const target = await ctx.runMutation(internal.uploads.startSigningParts, {
      userId,
      jobId,
      partNumbers: parts.map((part) => part.partNumber),
    });
    const partsToSign = parts.map((part, i) => ({ ...part, size: target.partSizes[i]! }));
    const urls = await signPartUploadUrls(storage, target, partsToSign, limits.urlTtlSeconds, Date.now());
    return { ...plan, urls };
  },
});

export const signPartUrls = internalAction({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), parts: v.array(partUrlRequest) },
  returns: partUrlBatch,
  handler: async (ctx, { userId, jobId, parts }): Promise<PartUrlBatch> => {
    checkPartUrlRequests(parts);
    // Configuration problems surface before the job moves to UPLOADING.
    const storage = openSourceStorage();
    const target = await ctx.runMutation(internal.uploads.startSigningParts, {
      userId,
      jobId,
      partNumbers: parts.map((part) => part.partNumber),
    });
    const partsToSign = parts.map((part, i) => ({ ...part, size: target.partSizes[i]! }));
    return { urls: await signPartUploadUrls(storage, target, partsToSign, uploadLimits().urlTtlSeconds, Date.now()) };
  },
});

export const completeUpload = internalAction({
  args: { userId: v.id("users"), jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { userId, jobId }): Promise<null> => {
    const plan = await ctx.runQuery(internal.uploads.planCompletion, { userId, jobId });
    if (plan.state === "already_uploaded") return null;
    const parts = await readCompletionParts(ctx, userId, jobId);
    requireEveryPartRecorded(plan.partCount, parts);
    const storage = openSourceStorage();
    let storedBytes: number;
    try {
      storedBytes = await completeMultipartUpload(storage, plan, parts);
    } catch (error) {
      // A stop while storage put the parts together has storage drop the upload under it: the
      // stop is the answer then, as when it lands just after (`markSourceUploaded` below).
      const now: unknown = await ctx.runQuery(internal.uploads.planCompletion, { userId, jobId }).catch((e: unknown) => e);
      if (isAppError(now, "invalid_state")) throw now;
      // A call that ran at the same time (a retry after a lost connection) finished it meanwhile.
      if ((now as { state?: unknown } | null)?.state === "already_uploaded") return null;
      if (storageRefusedTheParts(error)) {
        // Asking again gets the same answer: the job ends here instead of on every retry.
        await ctx.runMutation(internal.uploads.failCorruptUpload, { userId, jobId });
        throw appError(
          "parts_rejected",
          "Storage does not hold the parts this upload recorded, so it cannot be finished. Start again with the file.",
          { storageCode: storageCodeOf(error) ?? "unknown" },
        );
      }
      throw error;
    }
    if (storedBytes !== plan.fileSize) {
      await ctx.runMutation(internal.uploads.failCorruptUpload, { userId, jobId });
      await deleteUnusedSource(storage, plan.key);
      throw appError(
        "size_mismatch",
        `Storage holds ${storedBytes} bytes but the file has ${plan.fileSize}, so this upload cannot be used. Start again with the file.`,
        { expectedBytes: plan.fileSize, storedBytes },
      );
    }
    try {
      await ctx.runMutation(internal.uploads.markSourceUploaded, { userId, jobId, key: plan.key, crc32c: objectCrc32c(parts) });
    } catch (error) {
      // The job was stopped (canceled, abandoned) while storage put the parts together: the
      // object will never be used, and the abort that the stop scheduled found no upload left.
      if (isAppError(error, "invalid_state")) {
        await deleteUnusedSource(storage, plan.key);
      }
      throw error;
    }
    return null;
  },
});

/**
 * Every recorded part, in order, read a page per query: up to 10,000 parts (R2's limit) do not
 * fit in one Convex value (arrays of at most 8,192 elements), while the action's own memory
 * holds them easily.
 */
async function readCompletionParts(
  ctx: ActionCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<CompletionPartsPage["parts"]> {
  const parts: CompletionPartsPage["parts"] = [];
  let afterPartNumber: number | undefined;
  for (;;) {
    const page: CompletionPartsPage = await ctx.runQuery(internal.uploads.completionParts, {
      userId,
      jobId,
      ...(afterPartNumber === undefined ? {} : { afterPartNumber }),
    });
    parts.push(...page.parts);
    if (page.continueAfter === null) return parts;
    afterPartNumber = page.continueAfter;
  }
}

/**
 * The whole object's CRC32C from its parts' (storage verified each against its bytes): the
 * parts' CRCs combined in order, as zlib's `crc32_combine` does, so nothing re-reads the object.
 * Undefined when a part was sent without a checksum.
 */
function objectCrc32c(parts: readonly CompletionPart[]): string | undefined {
  let crc = 0;
  for (const { checksumCrc32c, size } of parts) {
    if (checksumCrc32c === undefined) return undefined;
    crc = crc32cCombine(crc, crc32cFromBase64(checksumCrc32c), size);
  }
  return crc32cToBase64(crc);
}

/**
 * Storage's answers to CompleteMultipartUpload that name the recorded parts themselves (an ETag
 * or part storage does not have, parts out of order, a part too small, an upload it no longer
 * has), as opposed to storage being unreachable or busy, which a retry can get past. They count
 * only when there is no object at the key either (`completeMultipartUpload` looks first): an
 * upload another call completed answers `NoSuchUpload` too, and its object is then there.
 */
const PARTS_REFUSED = new Set(["InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload"]);

function storageCodeOf(error: unknown): string | undefined {
  if (!isAppError(error, "storage_error")) return undefined;
  const { storageCode } = (error as ConvexError<AppErrorData>).data;
  return typeof storageCode === "string" ? storageCode : undefined;
}

function storageRefusedTheParts(error: unknown): boolean {
  return PARTS_REFUSED.has(storageCodeOf(error) ?? "");
}

/**
 * Deletes a source no job will use. A failure is logged (by `deleteStoredObject`) and left to
 * the next abort of the job's upload, so the caller's own error is the one the user sees.
 */
async function deleteUnusedSource(storage: SourceStorage, key: string): Promise<void> {
  await deleteStoredObject(storage, key).catch(() => {});
}

/**
 * Storage clean-up after a job failed (parts and any object at its key); scheduled by the
 * transaction that failed it. `sourceStored`: the upload was completed, so there is only the
 * object to delete (aborting a finished multipart upload is an error on some servers).
 */
export const abortMultipartUploads = internalAction({
  args: { uploads: v.array(multipartTarget), sourceStored: v.optional(v.boolean()) },
  returns: v.null(),
  handler: async (_ctx, { uploads, sourceStored = false }): Promise<null> => {
    const storage = openSourceStorage();
    // Each failure is already logged; the bucket's lifecycle rule is the backstop for parts.
    // The object is deleted too: a completion that finished in storage just before the stop
    // (and crashed before recording it) left one at the job's key, which no one will use.
    await Promise.allSettled(
      uploads.flatMap((upload) => [
        ...(sourceStored ? [] : [abortMultipartUpload(storage, upload)]),
        deleteStoredObject(storage, upload.key),
      ]),
    );
    return null;
  },
});
