/**
 * The only code that writes a job's `status`. Every change goes through `transitionJob`,
 * which checks the edge against the state machine, patches the job and appends the
 * `job_events` row, in the same transaction. `failJob` also has storage drop the failed job's
 * upload.
 */
import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { canTransition, type JobStatus } from "../lib/jobStatus";
import type { JobFailure } from "../lib/failures";
import { appError } from "../lib/appErrors";
import type { EventActor } from "../lib/validators";
import type { MultipartTarget } from "../lib/uploadValidators";
import { internal } from "../_generated/api";

type JobPatch = Partial<Omit<WithoutSystemFields<Doc<"video_jobs">>, "status" | "ownerId">>;

export type TransitionOptions = {
  actor: EventActor;
  detail?: string;
  /** Further fields to write with the status change. */
  patch?: JobPatch;
};

export type NewJob = Pick<Doc<"video_jobs">, "ownerId" | "sourceUrl" | "videoId">;

export async function insertCreatedJob(
  ctx: MutationCtx,
  job: NewJob,
  actor: EventActor,
): Promise<Id<"video_jobs">> {
  const now = Date.now();
  const jobId = await ctx.db.insert("video_jobs", {
    ...job,
    status: "CREATED",
    attempt: 0,
    lastActivityAt: now,
    updatedAt: now,
  });
  await ctx.db.insert("job_events", { jobId, from: null, to: "CREATED", at: now, actor });
  return jobId;
}

export async function transitionJob(
  ctx: MutationCtx,
  job: Doc<"video_jobs">,
  to: JobStatus,
  { actor, detail, patch = {} }: TransitionOptions,
): Promise<void> {
  if (!canTransition(job.status, to)) {
    throw appError(
      "invalid_transition",
      `A job that is ${job.status} cannot move to ${to}.`,
      { from: job.status, to },
    );
  }
  const now = Date.now();
  await ctx.db.patch("video_jobs", job._id, {
    ...patch,
    status: to,
    lastActivityAt: now,
    updatedAt: now,
  });
  await ctx.db.insert("job_events", {
    jobId: job._id,
    from: job.status,
    to,
    at: now,
    actor,
    ...(detail === undefined ? {} : { detail }),
  });
}

/** FAILED with a structured failure; clears any worker claim and progress. */
export async function failJob(
  ctx: MutationCtx,
  job: Doc<"video_jobs">,
  failure: JobFailure,
  actor: EventActor,
): Promise<void> {
  await transitionJob(ctx, job, "FAILED", {
    actor,
    detail: failure.code,
    patch: { failure, claim: undefined, progress: undefined, notBefore: undefined },
  });
  // A failed job is final: nothing uses its file again. Whether the upload was unfinished (its
  // parts) or complete (the stored source, up to MAX_UPLOAD_BYTES of it), storage drops it.
  if (job.upload !== undefined) {
    await scheduleUploadRemoval(ctx, job.upload, job.r2SourceKey !== undefined);
    await ctx.scheduler.runAfter(0, internal.uploads.dropRecordedParts, { jobId: job._id });
  }
}

/**
 * Removing from storage happens after the job has failed, from an action the failing
 * transaction schedules (so only if it commits): the multipart upload is aborted (unless it was
 * completed: `sourceStored`) and any object at its key deleted. Should storage be unreachable, the bucket's
 * abort-incomplete-multipart-upload rule (`scripts/r2/applyBucketRules.ts`) clears the parts.
 */
async function scheduleUploadRemoval(ctx: MutationCtx, { key, uploadId }: MultipartTarget, sourceStored: boolean): Promise<void> {
  await ctx.scheduler.runAfter(0, internal.uploadStorage.abortMultipartUploads, { uploads: [{ key, uploadId }], sourceStored });
}
