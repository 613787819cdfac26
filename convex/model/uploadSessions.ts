/**
 * The database side of a browser → R2 multipart upload: who may do what in which state, and
 * the session stored on the job. The storage side is `multipartStorage.ts`. The actions in
 * `uploadStorage.ts` call these helpers before a storage call (to check) and after it (to
 * record); each helper re-checks
 * ownership and state in the transaction that writes, so a storage call that raced a change
 * of state never half-writes the job.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { makeFailure } from "../lib/failures";
import type { JobStatus } from "../lib/jobStatus";
import { RIGHTS_STATEMENT } from "../lib/rightsStatement";
import type { UploadSession } from "../lib/validators";
import { getOwnedJob, requireOwnedJob } from "./jobAccess";
import { failJob, transitionJob } from "./jobTransitions";
import { scheduleWorkerWake } from "./workerWakeSchedule";
import { countRecordedParts, readRecordedPartsPage, requirePlannedPartSize } from "./uploadParts";
import { uploadLimits } from "./uploadConfig";
import type {
  CompletionPartsPage,
  CompletionPlan,
  PartSigningTarget,
  RecordedPartNumbersPage,
  UploadSessionView,
} from "../lib/uploadValidators";

/** Issuing part URLs counts as upload activity; the job records it at most this often. */
const ACTIVITY_WRITE_INTERVAL_MS = 60_000;
/** Jobs the janitor fails per transaction; it reschedules itself for the rest. */
const ABANDONED_BATCH_SIZE = 100;
/**
 * The longest an upload may stay unfinished, however active: R2 drops unfinished multipart
 * uploads after 7 days, and a session kept alive by asking for URLs now and then must not hold
 * parts (or its job) longer than that.
 */
export const MAX_UPLOAD_SESSION_MS = 6 * 24 * 3_600_000;

const SOURCE_STORED: readonly JobStatus[] = ["UPLOADED", "PROCESSING", "READY"];

/** The job, if `userId` may start uploading its source now. */
export async function requireJobAwaitingUpload(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<Doc<"video_jobs">> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status !== "META_READY") {
    throw appError("invalid_state", "This job is not waiting for a file.", { status: job.status });
  }
  if (job.rights === undefined) {
    throw appError("rights_required", "Confirm that you hold the rights to this video before uploading it.");
  }
  if (job.rights.statementVersion !== RIGHTS_STATEMENT.version) {
    throw appError("stale_statement", "The rights statement has changed. Read it and confirm it again.", {
      currentVersion: RIGHTS_STATEMENT.version,
    });
  }
  return job;
}

/** Stores the session of a multipart upload storage has just started: META_READY → UPLOAD_READY. */
export async function openUploadSession(
  ctx: MutationCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
  session: UploadSession,
): Promise<void> {
  const job = await requireJobAwaitingUpload(ctx, userId, jobId);
  await transitionJob(ctx, job, "UPLOAD_READY", {
    actor: "user",
    detail: `${session.partCount} parts of ${session.partSize} bytes`,
    patch: { upload: session },
  });
}

/**
 * Where the parts about to be signed go, after checking they are in the plan. The first
 * request moves the job to UPLOADING.
 */
export async function startSigningParts(
  ctx: MutationCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
  partNumbers: readonly number[],
): Promise<PartSigningTarget> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if ((job.status !== "UPLOAD_READY" && job.status !== "UPLOADING") || job.upload === undefined) {
    throw appError("invalid_state", "Part URLs are only issued while the file is uploading.", { status: job.status });
  }
  const { upload } = job;
  const partSizes = partNumbers.map((partNumber) => requirePlannedPartSize(upload, partNumber));
  const now = Date.now();
  if (job.status === "UPLOAD_READY") {
    await transitionJob(ctx, job, "UPLOADING", { actor: "user" });
  } else if (now - job.lastActivityAt >= ACTIVITY_WRITE_INTERVAL_MS) {
    // Keeps an active upload away from the janitor without writing the job for every batch.
    await ctx.db.patch("video_jobs", job._id, { lastActivityAt: now });
  }
  return { key: upload.key, uploadId: upload.uploadId, partSizes };
}

/**
 * What completing needs besides the parts: where the upload is and how many parts it must have.
 * The parts themselves are read page by page (`listCompletionParts`): a plan may have more than
 * Convex allows in one array.
 */
export async function planCompletion(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<CompletionPlan> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (SOURCE_STORED.includes(job.status) && job.r2SourceKey !== undefined) return { state: "already_uploaded" };
  const upload = requireUploadInProgress(job);
  return {
    state: "ready",
    key: upload.key,
    uploadId: upload.uploadId,
    fileSize: upload.fileSize,
    partCount: upload.partCount,
  };
}

/**
 * One page of the parts to complete with, in part order (see `readRecordedPartsPage`). Each
 * page checks the job again, so a stop between pages ends the completion with `invalid_state`.
 */
export async function listCompletionParts(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
  afterPartNumber: number | undefined,
): Promise<CompletionPartsPage> {
  requireUploadInProgress(await requireOwnedJob(ctx, userId, jobId));
  const { parts, continueAfter } = await readRecordedPartsPage(ctx, jobId, afterPartNumber);
  return {
    parts: parts.map(({ partNumber, etag, size, checksumCrc32c }) => ({
      partNumber,
      etag,
      size,
      ...(checksumCrc32c === undefined ? {} : { checksumCrc32c }),
    })),
    continueAfter,
  };
}

// Nothing can be recorded before UPLOADING, so an UPLOAD_READY job is told which parts are missing: all.
function requireUploadInProgress(job: Doc<"video_jobs">): UploadSession {
  if ((job.status !== "UPLOAD_READY" && job.status !== "UPLOADING") || job.upload === undefined) {
    throw appError("invalid_state", "There is no upload in progress to finish.", { status: job.status });
  }
  return job.upload;
}

/**
 * The one place a job's source becomes available for processing: UPLOADING → UPLOADED, joining
 * the claim queue (`by_status_and_notBefore`) at once, with the object's CRC32C when every part
 * had one. A completion that already happened is left as it is.
 */
export async function markSourceUploaded(
  ctx: MutationCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
  key: string,
  crc32c: string | undefined,
): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (SOURCE_STORED.includes(job.status) && job.r2SourceKey === key) return;
  if (job.status !== "UPLOADING") {
    throw appError("invalid_state", "This upload was stopped before it finished.", { status: job.status });
  }
  const now = Date.now();
  await transitionJob(ctx, job, "UPLOADED", {
    actor: "user",
    patch: { r2SourceKey: key, notBefore: now, upload: { ...job.upload!, ...(crc32c === undefined ? {} : { crc32c }) } },
  });
  await scheduleWorkerWake(ctx, now);
  // The parts are one object now: nothing reads their rows again.
  await ctx.scheduler.runAfter(0, internal.uploads.dropRecordedParts, { jobId });
}

/** The stored object is not the file the browser described: the upload cannot be used. */
export async function failCorruptUpload(ctx: MutationCtx, userId: Id<"users">, jobId: Id<"video_jobs">): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status !== "UPLOADING") return;
  await failJob(ctx, job, makeFailure("integrity"), "system");
}

/**
 * The user stops the upload: FAILED with `upload_aborted`, and storage is told to drop the parts.
 * Stopping a job that has already failed changes nothing.
 */
export async function abortUploadSession(
  ctx: MutationCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status === "FAILED") return;
  if (job.status !== "META_READY" && job.status !== "UPLOAD_READY" && job.status !== "UPLOADING") {
    throw appError("invalid_state", "Only an upload that has not finished can be stopped.", { status: job.status });
  }
  await failJob(ctx, job, makeFailure("upload_aborted"), "user");
}

/**
 * Fails uploads idle for longer than `UPLOAD_ABANDON_HOURS`, and those started more than
 * `MAX_UPLOAD_SESSION_MS` ago (`upload_abandoned`). The decision and the write are one
 * transaction, so an upload that comes back to life in the meantime is not touched; storage is
 * cleaned up afterwards.
 */
export async function failAbandonedUploads(ctx: MutationCtx): Promise<void> {
  const now = Date.now();
  const idleCutoff = now - uploadLimits().abandonHours * 3_600_000;
  const abandoned = new Map<Id<"video_jobs">, Doc<"video_jobs">>();
  for (const status of ["UPLOAD_READY", "UPLOADING"] as const) {
    const idle = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_activity", (q) => q.eq("status", status).lt("lastActivityAt", idleCutoff))
      .take(ABANDONED_BATCH_SIZE - abandoned.size);
    const overdue = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_upload_start", (q) => q.eq("status", status).lt("upload.startedAt", now - MAX_UPLOAD_SESSION_MS))
      .take(ABANDONED_BATCH_SIZE - abandoned.size);
    for (const job of [...idle, ...overdue]) if (abandoned.size < ABANDONED_BATCH_SIZE) abandoned.set(job._id, job);
  }
  for (const job of abandoned.values()) await failJob(ctx, job, makeFailure("upload_abandoned"), "system");
  if (abandoned.size === ABANDONED_BATCH_SIZE) {
    await ctx.scheduler.runAfter(0, internal.uploadJanitor.failAbandonedUploads, {});
  }
}


/** The session as a resuming browser needs it, or null when the job has none (or is not the user's). */
export async function describeUploadSession(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<UploadSessionView | null> {
  const job = await getOwnedJob(ctx, userId, jobId);
  if (job?.upload === undefined) return null;
  const { upload } = job;
  return {
    status: job.status,
    fingerprint: {
      name: upload.fileName,
      size: upload.fileSize,
      lastModified: upload.lastModified,
      ...(upload.firstPartCrc32c === undefined ? {} : { firstPartCrc32c: upload.firstPartCrc32c }),
    },
    fileType: upload.fileType,
    partSize: upload.partSize,
    partCount: upload.partCount,
    // A few counter rows, not the parts: another tab subscribes to this, and Convex runs it again after every report.
    partsRecorded: await countRecordedParts(ctx, jobId),
    idleLimitHours: uploadLimits().abandonHours,
  };
}

/**
 * A page of the part numbers recorded for the user's upload, which a resuming browser does not
 * send again; null when the job has no upload (or is not the user's).
 */
export async function listRecordedPartNumbers(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
  afterPartNumber: number | undefined,
): Promise<RecordedPartNumbersPage | null> {
  const job = await getOwnedJob(ctx, userId, jobId);
  if (job?.upload === undefined) return null;
  const { parts, continueAfter } = await readRecordedPartsPage(ctx, jobId, afterPartNumber);
  return { partNumbers: parts.map((part) => part.partNumber), continueAfter };
}
