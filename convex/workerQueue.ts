/**
 * The worker's queues as the worker sees them: uploaded jobs to process and tasks (clips) on
 * READY jobs, both claimed, leased, fenced and reaped by `model/workerClaims.ts` over the
 * queues of `model/workQueues.ts`. Everything here is internal and reached through the
 * secret-guarded HTTP API in `http.ts`, except `nextClaimableAt`, the query the local worker
 * subscribes to so that it wakes the moment work becomes claimable. A job's calls name its
 * `jobId`, a task's its `taskId` (`taskQueue.ts` has the task's own calls).
 */
import { v } from "convex/values";
import { literals } from "convex-helpers/validators";
import { internalMutation, internalQuery, query, type MutationCtx } from "./_generated/server";
import { makeFailure } from "./lib/failures";
import { TASK_WORKER_FAILURE_CODES, WORK_KINDS, WORKER_FAILURE_CODES } from "./lib/workerProtocol";

type JobWorkerFailureCode = Exclude<(typeof WORKER_FAILURE_CODES)[number], (typeof TASK_WORKER_FAILURE_CODES)[number] | "interrupted">;
import { artifactKind, artifactMeasurements, media } from "./lib/validators";
import { clipSpec } from "./lib/taskValidators";
import { appError } from "./lib/appErrors";
import { claimNext, handBack, nextDueAt, releaseForRetry, requeueExpiredLeases, requireActiveClaim, type ClaimedWork } from "./model/workerClaims";
import { ALL_QUEUES, jobQueue, queuesFor } from "./model/workQueues";
import { upsertArtifact } from "./model/artifactRecords";
import { transitionJob, failJob } from "./model/jobTransitions";
import { workerLeaseMs } from "./model/workerConfig";
import { isWorkerSecret } from "./model/workerSecret";
import { latestCaptionsTask, queueCaptionsOnReady } from "./model/captionsTasks";
import type { Doc, Id } from "./_generated/dataModel";

/**
 * Failures a worker may report: `processing_error` requeues with a backoff, `interrupted` (the
 * worker is shutting down) hands the work back, the others end it.
 */
export const workerFailureCode = literals(...WORKER_FAILURE_CODES);
const workKinds = v.optional(v.array(literals(...WORK_KINDS)));

/** What every claim answers: its token and lease, and the job's source to read. */
const claimFields = {
  jobId: v.id("video_jobs"),
  claimToken: v.string(),
  attempt: v.number(),
  leaseExpiresAt: v.number(),
  leaseSeconds: v.number(),
  sourceKey: v.string(),
  sourceBytes: v.number(),
};
const claimedJob = v.object({ work: v.literal("process"), ...claimFields, sourceCrc32c: v.optional(v.string()) });
const claimedClip = v.object({
  work: v.literal("clip"),
  taskId: v.id("tasks"),
  ...claimFields,
  media,
  clip: clipSpec.extend({ index: v.number() }),
  /** A clip with captions burned in: the job's transcript to sign for the worker. */
  transcriptKey: v.optional(v.string()),
});
const claimedCaptions = v.object({ work: v.literal("captions"), taskId: v.id("tasks"), ...claimFields, media, index: v.number() });

/**
 * `requestId`: the worker's name for this claim request; a retry of it gets the same work back.
 * `kinds`: the work the worker serves (unset: jobs only, as a worker from before tasks expects).
 */
export const claimJob = internalMutation({
  args: { workerId: v.string(), requestId: v.optional(v.string()), kinds: workKinds },
  returns: v.union(claimedJob, claimedClip, claimedCaptions, v.null()),
  handler: async (ctx, { kinds, ...request }) => {
    const claimed = await claimNext(ctx, queuesFor(kinds), request, Date.now());
    return claimed === null ? null : await claimAnswerRow(ctx, claimed);
  },
});

async function claimAnswerRow(ctx: MutationCtx, claimed: ClaimedWork) {
  const lease = { leaseSeconds: workerLeaseMs() / 1000 };
  if (claimed.type === "job") {
    const { job } = claimed;
    if (job.claim === undefined || job.r2SourceKey === undefined || job.upload === undefined) {
      throw new Error(`Claimed job ${job._id} has no source object`);
    }
    return {
      work: "process" as const,
      jobId: job._id,
      claimToken: job.claim.token,
      attempt: job.attempt,
      leaseExpiresAt: job.claim.leaseExpiresAt,
      ...lease,
      sourceKey: job.r2SourceKey,
      sourceBytes: job.upload.fileSize,
      ...(job.upload.crc32c === undefined ? {} : { sourceCrc32c: job.upload.crc32c }),
    };
  }
  const { task } = claimed;
  const job = await ctx.db.get("video_jobs", task.jobId);
  // A task is only made for a READY job with its source and media (`clips.requestClip`), and
  // the source's deletion fails the job's tasks first (`sourceRetention.ts`).
  if (task.claim === undefined || job?.r2SourceKey === undefined || job.upload === undefined || job.media === undefined) {
    throw new Error(`Claimed task ${task._id} has no source to read`);
  }
  const common = {
    taskId: task._id,
    jobId: task.jobId,
    claimToken: task.claim.token,
    attempt: task.attempt,
    leaseExpiresAt: task.claim.leaseExpiresAt,
    ...lease,
    sourceKey: job.r2SourceKey,
    sourceBytes: job.upload.fileSize,
    media: job.media,
  };
  if (task.kind === "captions") return { work: "captions" as const, ...common, index: task.index };
  if (task.clip === undefined) throw new Error(`Claimed clip ${task._id} has no range`);
  const transcriptKey = task.clip.captions === true ? (await readyTranscript(ctx, task.jobId))?.r2Key : undefined;
  return { work: "clip" as const, ...common, clip: { ...task.clip, index: task.index }, ...(transcriptKey === undefined ? {} : { transcriptKey }) };
}

/** The job's transcript artifact, when its captions task is READY with speech (what a burned-in clip draws). */
async function readyTranscript(ctx: MutationCtx, jobId: Id<"video_jobs">): Promise<Doc<"video_artifacts"> | null> {
  const captions = await latestCaptionsTask(ctx, jobId);
  if (captions?.status !== "READY" || captions.captions?.speech !== true) return null;
  return await ctx.db
    .query("video_artifacts")
    .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "transcript").eq("index", captions.index))
    .unique();
}

export const heartbeat = internalMutation({
  args: {
    jobId: v.string(),
    claimToken: v.string(),
    stage: v.string(),
    pct: v.number(),
    media: v.optional(media),
  },
  returns: v.union(
    v.object({ state: v.literal("active"), leaseExpiresAt: v.number() }),
    v.object({ state: v.literal("canceled") }),
  ),
  handler: async (ctx, { jobId, claimToken, stage, pct, media: probed }) => {
    const id = ctx.db.normalizeId("video_jobs", jobId);
    const current = id === null ? null : await ctx.db.get("video_jobs", id);
    if (current?.status === "FAILED" && current.failure?.code === "canceled") return { state: "canceled" as const };
    const job = await requireActiveClaim(ctx, jobQueue, jobId, claimToken);
    const now = Date.now();
    const leaseExpiresAt = now + workerLeaseMs();
    await ctx.db.patch("video_jobs", job._id, {
      claim: { ...job.claim!, leaseExpiresAt },
      progress: { stage: stage.slice(0, 40), pct: Math.min(100, Math.max(0, pct)), updatedAt: now },
      ...(probed === undefined ? {} : { media: probed }),
      updatedAt: now,
    });
    return { state: "active" as const, leaseExpiresAt };
  },
});

/** Upserts by (job, kind, index); the key and content type follow from those, never from the worker. */
export const recordArtifact = internalMutation({
  args: {
    jobId: v.string(),
    claimToken: v.string(),
    artifact: v.object({ kind: artifactKind, index: v.number(), bytes: v.number(), ...artifactMeasurements }),
  },
  returns: v.id("video_artifacts"),
  handler: async (ctx, { jobId, claimToken, artifact }) => {
    const job = await requireActiveClaim(ctx, jobQueue, jobId, claimToken);
    return await upsertArtifact(ctx, job._id, artifact);
  },
});

/** The claim is still this worker's; `jobId` is the normalized id. */
export const verifyClaim = internalQuery({
  args: { jobId: v.string(), claimToken: v.string() },
  returns: v.id("video_jobs"),
  handler: async (ctx, { jobId, claimToken }) => (await requireActiveClaim(ctx, jobQueue, jobId, claimToken))._id,
});

export const completeJob = internalMutation({
  args: { jobId: v.string(), claimToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, claimToken }) => {
    const job = await requireActiveClaim(ctx, jobQueue, jobId, claimToken);
    const now = Date.now();
    await transitionJob(ctx, job, "READY", {
      actor: "worker",
      // The source stays for clips until SOURCE_RETENTION_DAYS from now (`sourceRetention.ts`).
      patch: { claim: undefined, progress: { stage: "done", pct: 100, updatedAt: now }, sourceKeptSince: now },
    });
    // Captions follow READY on their own when the video has sound, in the same transaction.
    await queueCaptionsOnReady(ctx, job);
    return null;
  },
});

export const failClaimedJob = internalMutation({
  args: { jobId: v.string(), claimToken: v.string(), code: workerFailureCode, message: v.string() },
  returns: v.union(v.literal("requeued"), v.literal("failed")),
  handler: async (ctx, { jobId, claimToken, code, message }) => {
    const job = await requireActiveClaim(ctx, jobQueue, jobId, claimToken);
    if (code === "interrupted") return await handBack(ctx, jobQueue, job, Date.now(), "shutdown");
    if (code === "processing_error") {
      return await releaseForRetry(ctx, jobQueue, job, { code, message: message.slice(0, 500) }, "worker", Date.now());
    }
    // A captions code from a job's call is not the job's own: the job reads it as a processing error.
    const jobCode = (TASK_WORKER_FAILURE_CODES as readonly string[]).includes(code) ? "processing_error" : (code as JobWorkerFailureCode);
    await failJob(ctx, job, makeFailure(jobCode, message.slice(0, 500)), "worker");
    return "failed" as const;
  },
});

/**
 * The claim route claimed this job but could not answer with it (signing the source URL
 * failed): no worker will work on it, so it is handed back at once rather than left PROCESSING
 * until its lease runs out and counted as a lost worker's attempt. Bounded by the free
 * hand-backs (`handBack`), so a claim that can never be sent still ends the job.
 */
export const releaseUndeliveredClaim = internalMutation({
  args: { jobId: v.string(), claimToken: v.string() },
  returns: v.union(v.literal("requeued"), v.literal("failed")),
  handler: async (ctx, { jobId, claimToken }) => {
    const job = await requireActiveClaim(ctx, jobQueue, jobId, claimToken);
    return await handBack(ctx, jobQueue, job, Date.now(), "undelivered_claim");
  },
});

/** The reaper (a cron): lost leases of every queue, jobs and tasks alike. */
export const sweepExpiredLeases = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    let released = 0;
    for (const queue of ALL_QUEUES) released += await requeueExpiredLeases(ctx, queue, Date.now(), 100);
    return released;
  },
});

/**
 * When the next claim may find work of `kinds` (unset: jobs only; null: nothing queued and
 * nothing leased): the earliest queued row's `notBefore` or lease expiry, since a claim releases
 * an expired lease. The local worker holds a subscription to this, so new work reaches it as a
 * push, with no polling, and a crashed worker's work is taken back when its lease ends. A
 * heartbeat of the earliest-expiring lease updates the answer; a worker that wakes for a lease
 * that was extended meanwhile just gets an empty claim.
 */
export const nextClaimableAt = query({
  args: { workerSecret: v.string(), kinds: workKinds },
  returns: v.union(v.number(), v.null()),
  handler: async (ctx, { workerSecret, kinds }) => {
    if (!(await isWorkerSecret(workerSecret))) throw appError("unauthenticated", "Not a worker.");
    return await nextDueAt(ctx, queuesFor(kinds));
  },
});
