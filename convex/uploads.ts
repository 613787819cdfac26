/**
 * The browser → R2 multipart upload API (the contract the browser engine in `src/lib/upload/`
 * speaks). The browser PUTs each part straight to storage through a presigned URL; Convex
 * chooses the key and the part plan, records the parts, and completes the upload.
 *
 *   prepareUpload       META_READY → UPLOAD_READY  (starts the multipart upload)
 *   getUploadPartUrls   UPLOAD_READY → UPLOADING on the first call
 *   reportUploadedPart  while UPLOADING, one row per part
 *   completeUpload      UPLOADING → UPLOADED       (storage assembles the parts; size verified)
 *   abortUpload         → FAILED (upload_aborted)
 *
 * The actions delegate to `uploadStorage.ts`, where every S3 call runs; the internal queries and
 * mutations below are the database steps those actions take.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, internalQuery } from "./_generated/server";
import { uploadSession as storedUploadSession } from "./lib/validators";
import { userAction, userMutation, userQuery } from "./model/authedFunctions";
import { deleteRecordedParts, recordUploadedPart } from "./model/uploadParts";
import * as sessions from "./model/uploadSessions";
import {
  completionPartsPage,
  completionPlan,
  fileToUpload,
  partSigningTarget,
  partUrlBatch,
  partUrlRequest,
  preparedUpload,
  recordedPartNumbersPage,
  uploadSessionView,
  type PartUrlBatch,
  type PreparedUpload,
} from "./lib/uploadValidators";

export const prepareUpload = userAction({
  /** `parts`: the first parts, signed with the plan (their CRC32C computed with the announced part size). */
  args: { jobId: v.id("video_jobs"), file: fileToUpload, parts: v.optional(v.array(partUrlRequest)) },
  returns: preparedUpload,
  handler: (ctx, args): Promise<PreparedUpload> =>
    ctx.runAction(internal.uploadStorage.prepareUpload, { userId: ctx.userId, ...args }),
});

export const getUploadPartUrls = userAction({
  args: { jobId: v.id("video_jobs"), parts: v.array(partUrlRequest) },
  returns: partUrlBatch,
  handler: (ctx, args): Promise<PartUrlBatch> =>
    ctx.runAction(internal.uploadStorage.signPartUrls, { userId: ctx.userId, ...args }),
});

export const reportUploadedPart = userMutation({
  args: {
    jobId: v.id("video_jobs"),
    partNumber: v.number(),
    etag: v.string(),
    /** Optional check: when sent, it must be the part's size under the plan. */
    size: v.optional(v.number()),
    /** The CRC32C its URL was signed with (storage verified the body against it); used at completion. */
    checksumCrc32c: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await recordUploadedPart(ctx, ctx.userId, args);
    return null;
  },
});

export const completeUpload = userAction({
  args: { jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: (ctx, args): Promise<null> =>
    ctx.runAction(internal.uploadStorage.completeUpload, { userId: ctx.userId, ...args }),
});

/** A mutation: the job fails at once, and the storage clean-up it schedules runs only if it commits. */
export const abortUpload = userMutation({
  args: { jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    await sessions.abortUploadSession(ctx, ctx.userId, jobId);
    return null;
  },
});

export const uploadSession = userQuery({
  args: { jobId: v.id("video_jobs") },
  returns: v.union(uploadSessionView, v.null()),
  handler: (ctx, { jobId }) => sessions.describeUploadSession(ctx, ctx.userId, jobId),
});

/** The recorded part numbers a resume skips, a page at a time: ask again after `continueAfter` until it is null. */
export const recordedPartNumbers = userQuery({
  args: { jobId: v.id("video_jobs"), afterPartNumber: v.optional(v.number()) },
  returns: v.union(recordedPartNumbersPage, v.null()),
  handler: (ctx, { jobId, afterPartNumber }) => sessions.listRecordedPartNumbers(ctx, ctx.userId, jobId, afterPartNumber),
});

// The database steps of the storage actions in `uploadStorage.ts`.

export const checkJobAwaitsUpload = internalQuery({
  args: { userId: v.id("users"), jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { userId, jobId }) => {
    await sessions.requireJobAwaitingUpload(ctx, userId, jobId);
    return null;
  },
});

export const openUploadSession = internalMutation({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), session: storedUploadSession },
  returns: v.null(),
  handler: async (ctx, { userId, jobId, session }) => {
    await sessions.openUploadSession(ctx, userId, jobId, session);
    return null;
  },
});

export const startSigningParts = internalMutation({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), partNumbers: v.array(v.number()) },
  returns: partSigningTarget,
  handler: (ctx, { userId, jobId, partNumbers }) => sessions.startSigningParts(ctx, userId, jobId, partNumbers),
});

export const planCompletion = internalQuery({
  args: { userId: v.id("users"), jobId: v.id("video_jobs") },
  returns: completionPlan,
  handler: (ctx, { userId, jobId }) => sessions.planCompletion(ctx, userId, jobId),
});

export const completionParts = internalQuery({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), afterPartNumber: v.optional(v.number()) },
  returns: completionPartsPage,
  handler: (ctx, { userId, jobId, afterPartNumber }) => sessions.listCompletionParts(ctx, userId, jobId, afterPartNumber),
});

export const markSourceUploaded = internalMutation({
  args: { userId: v.id("users"), jobId: v.id("video_jobs"), key: v.string(), crc32c: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { userId, jobId, key, crc32c }) => {
    await sessions.markSourceUploaded(ctx, userId, jobId, key, crc32c);
    return null;
  },
});

/** Deletes a finished upload's recorded parts, a batch per transaction; scheduled when the job leaves the upload. */
export const dropRecordedParts = internalMutation({
  args: { jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    if (await deleteRecordedParts(ctx, jobId)) await ctx.scheduler.runAfter(0, internal.uploads.dropRecordedParts, { jobId });
    return null;
  },
});

export const failCorruptUpload = internalMutation({
  args: { userId: v.id("users"), jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { userId, jobId }) => {
    await sessions.failCorruptUpload(ctx, userId, jobId);
    return null;
  },
});
