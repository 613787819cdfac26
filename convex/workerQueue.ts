/**
 * The processing queue as the worker sees it. Everything here is internal and reached through
 * the secret-guarded HTTP API in `http.ts`, except `nextClaimableAt`, the query the local
 * worker subscribes to so that it wakes the moment a job becomes claimable.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { makeFailure } from "./lib/failures";
import { literals } from "convex-helpers/validators";
import { WORKER_FAILURE_CODES } from "./lib/workerProtocol";
import { artifactKind, artifactMeasurements, media } from "./lib/validators";
import { ARTIFACT_CONTENT_TYPES, artifactKey } from "./lib/artifactKinds";
import { appError } from "./lib/appErrors";
import { claimNextJob, handBack, releaseForRetry, requeueExpiredLeases, requireActiveClaim } from "./model/workerClaims";
import { failJob, transitionJob } from "./model/jobTransitions";
import { workerLeaseMs } from "./model/workerConfig";
import { isWorkerSecret } from "./model/workerSecret";

/**
 * Failures a worker may report: `processing_error` requeues the job with a backoff,
 * `interrupted` (the worker is shutting down) hands it back, the others end it.
 */
const workerFailureCode = literals(...WORKER_FAILURE_CODES);

const claimedJob = v.object({
  jobId: v.id("video_jobs"),
  claimToken: v.string(),
  attempt: v.number(),
  leaseExpiresAt: v.number(),
  leaseSeconds: v.number(),
  sourceKey: v.string(),
  sourceBytes: v.number(),
  sourceCrc32c: v.optional(v.string()),
});

/** `requestId`: the worker's name for this claim request; a retry of it gets the same job back. */
export const claimJob = internalMutation({
  args: { workerId: v.string(), requestId: v.optional(v.string()) },
  returns: v.union(claimedJob, v.null()),
  handler: async (ctx, request) => {
    const job = await claimNextJob(ctx, request, Date.now());
    if (job === null) return null;
    if (job.claim === undefined || job.r2SourceKey === undefined || job.upload === undefined) {
      throw new Error(`Claimed job ${job._id} has no source object`);
    }
    return {
      jobId: job._id,
      claimToken: job.claim.token,
      attempt: job.attempt,
      leaseExpiresAt: job.claim.leaseExpiresAt,
      leaseSeconds: workerLeaseMs() / 1000,
      sourceKey: job.r2SourceKey,
      sourceBytes: job.upload.fileSize,
      ...(job.upload.crc32c === undefined ? {} : { sourceCrc32c: job.upload.crc32c }),
    };
  },
});

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
    const job = await requireActiveClaim(ctx, jobId, claimToken);
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
    const job = await requireActiveClaim(ctx, jobId, claimToken);
    const row = {
      ...artifact,
      jobId: job._id,
      r2Key: artifactKey(job._id, artifact.kind, artifact.index),
      contentType: ARTIFACT_CONTENT_TYPES[artifact.kind],
    };
    const existing = await ctx.db
      .query("video_artifacts")
      .withIndex("by_job_kind_index", (q) =>
        q.eq("jobId", job._id).eq("kind", artifact.kind).eq("index", artifact.index),
      )
      .unique();
    if (existing !== null) {
      await ctx.db.replace("video_artifacts", existing._id, { ...row, createdAt: existing.createdAt });
      return existing._id;
    }
    return await ctx.db.insert("video_artifacts", { ...row, createdAt: Date.now() });
  },
});

/** The claim is still this worker's; `jobId` is the normalized id. */
export const verifyClaim = internalQuery({
  args: { jobId: v.string(), claimToken: v.string() },
  returns: v.id("video_jobs"),
  handler: async (ctx, { jobId, claimToken }) => (await requireActiveClaim(ctx, jobId, claimToken))._id,
});

export const completeJob = internalMutation({
  args: { jobId: v.string(), claimToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, claimToken }) => {
    const job = await requireActiveClaim(ctx, jobId, claimToken);
    await transitionJob(ctx, job, "READY", {
      actor: "worker",
      patch: { claim: undefined, progress: { stage: "done", pct: 100, updatedAt: Date.now() } },
    });
    return null;
  },
});

export const failClaimedJob = internalMutation({
  args: { jobId: v.string(), claimToken: v.string(), code: workerFailureCode, message: v.string() },
  returns: v.union(v.literal("requeued"), v.literal("failed")),
  handler: async (ctx, { jobId, claimToken, code, message }) => {
    const job = await requireActiveClaim(ctx, jobId, claimToken);
    if (code === "interrupted") return await handBack(ctx, job, Date.now(), "shutdown");
    const failure = makeFailure(code, message.slice(0, 500));
    if (code === "processing_error") return await releaseForRetry(ctx, job, failure, "worker", Date.now());
    await failJob(ctx, job, failure, "worker");
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
    const job = await requireActiveClaim(ctx, jobId, claimToken);
    return await handBack(ctx, job, Date.now(), "undelivered_claim");
  },
});

export const sweepExpiredLeases = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => await requeueExpiredLeases(ctx, Date.now(), 100),
});

/**
 * When the next claim may find work (null: nothing queued and nothing leased): the earlier of
 * the oldest queued job's `notBefore` and the earliest lease expiry, since a claim releases an
 * expired lease (`claimNextJob`). The local worker holds a subscription to this, so a new
 * UPLOADED job reaches it as a push, with no polling, and a crashed worker's job is taken
 * back when its lease ends. A heartbeat of the earliest-expiring lease updates the answer;
 * a worker that wakes for a lease that was extended meanwhile just gets an empty claim.
 */
export const nextClaimableAt = query({
  args: { workerSecret: v.string() },
  returns: v.union(v.number(), v.null()),
  handler: async (ctx, { workerSecret }) => {
    if (!(await isWorkerSecret(workerSecret))) throw appError("unauthenticated", "Not a worker.");
    const queued = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_notBefore", (q) => q.eq("status", "UPLOADED"))
      .first();
    const leased = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_lease", (q) => q.eq("status", "PROCESSING"))
      .first();
    const times = [
      ...(queued === null ? [] : [queued.notBefore ?? queued._creationTime]),
      ...(leased?.claim === undefined ? [] : [leased.claim.leaseExpiresAt]),
    ];
    return times.length === 0 ? null : Math.min(...times);
  },
});
