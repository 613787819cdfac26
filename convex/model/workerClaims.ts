/**
 * Claims, leases and fencing for the processing queue.
 *
 * A claim is one mutation: the claimable UPLOADED job with the earliest `notBefore` (of an
 * owner with nothing in processing, when one is among the `FAIR_CLAIM_WINDOW` earliest) becomes
 * PROCESSING with a fresh token. Convex runs mutations serializably, so two workers can never
 * both claim a job.
 * Every later worker write names the token; once a lease is lost (expired and requeued, or
 * the job failed or was canceled) the token no longer matches and the write is refused.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { makeFailure, type JobFailure } from "../lib/failures";
import { failJob, transitionJob } from "./jobTransitions";
import { scheduleWorkerWake } from "./workerWakeSchedule";
import { retryDelayMs, workerLeaseMs, workerMaxAttempts } from "./workerConfig";

/**
 * How many lost leases one claim releases before it claims; the cron's sweep takes the rest.
 * Small, so a claim stays a small transaction even after many workers died at once.
 */
export const RELEASES_PER_CLAIM = 5;

/** Who asks for a claim: the worker, and its name for this request (the same on its retries). */
export type ClaimRequest = { workerId: string; requestId?: string };

/**
 * The claim. A retry of a request that already claimed a job (the worker never got the answer:
 * a timeout, a dropped connection, a 5xx after the commit) gets that job back, while the claim
 * stands, instead of claiming another that nobody would work on. Otherwise it first releases
 * jobs whose lease ran out, exactly as the cron's sweep does
 * (`releaseForRetry`: PROCESSING → UPLOADED with the retry backoff, or FAILED `worker_lost`
 * after the last attempt), so a crashed worker's job comes back as soon as any worker asks
 * for work rather than at the next sweep. Then it claims the oldest UPLOADED job whose
 * `notBefore` has passed, passing over those of owners who already have a job in processing
 * (`nextJobInFairOrder`). A job released here is still backing off, so it is not claimed in
 * the same transaction; `nextClaimableAt` tells the waiting workers when it will be.
 * All of it is one mutation: two claims racing over an expired lease conflict, and Convex
 * reruns the loser against the winner's writes.
 */
export async function claimNextJob(
  ctx: MutationCtx,
  { workerId, requestId }: ClaimRequest,
  now: number,
): Promise<Doc<"video_jobs"> | null> {
  if (requestId !== undefined) {
    const alreadyClaimed = await findClaimByRequest(ctx, workerId, requestId);
    if (alreadyClaimed !== null) return alreadyClaimed;
  }
  await requeueExpiredLeases(ctx, now, RELEASES_PER_CLAIM);
  const job = await nextJobInFairOrder(ctx, now);
  if (job === null) return null;
  const attempt = job.attempt + 1;
  const claim = {
    token: crypto.randomUUID(),
    workerId,
    leaseExpiresAt: now + workerLeaseMs(),
    ...(requestId === undefined ? {} : { requestId }),
  };
  await transitionJob(ctx, job, "PROCESSING", {
    actor: "worker",
    // Not the worker's id: it names a host and a process, and the owner reads this timeline.
    detail: `attempt ${attempt}`,
    patch: { attempt, claim, notBefore: undefined, progress: { stage: "claimed", pct: 0, updatedAt: now } },
  });
  return (await ctx.db.get("video_jobs", job._id))!;
}

/** How many of the oldest claimable jobs a claim looks through for an owner with nothing in processing. */
export const FAIR_CLAIM_WINDOW = 50;

/**
 * The oldest claimable job whose owner has no job in processing, else the oldest claimable job:
 * one user's queue of uploads does not hold everyone else's behind it while workers are busy
 * with theirs. Looks at most `FAIR_CLAIM_WINDOW` jobs deep, and asks about each owner once,
 * reading at most one of their processing jobs: the claim's reads stay few, and a heartbeat
 * (which writes its job) only conflicts with a claim that looked at that job's owner.
 */
async function nextJobInFairOrder(ctx: MutationCtx, now: number): Promise<Doc<"video_jobs"> | null> {
  const oldest = await ctx.db
    .query("video_jobs")
    .withIndex("by_status_and_notBefore", (q) => q.eq("status", "UPLOADED").lte("notBefore", now))
    .take(FAIR_CLAIM_WINDOW);
  const busy = new Map<Id<"users">, boolean>();
  for (const job of oldest) {
    let ownerBusy = busy.get(job.ownerId);
    if (ownerBusy === undefined) {
      const processing = await ctx.db
        .query("video_jobs")
        .withIndex("by_owner_and_status", (q) => q.eq("ownerId", job.ownerId).eq("status", "PROCESSING"))
        .first();
      ownerBusy = processing !== null;
      busy.set(job.ownerId, ownerBusy);
    }
    if (!ownerBusy) return job;
  }
  return oldest[0] ?? null;
}

/** The job that this worker's claim request claimed, if it is still PROCESSING under that claim. */
export async function findClaimByRequest(
  ctx: QueryCtx,
  workerId: string,
  requestId: string,
): Promise<Doc<"video_jobs"> | null> {
  return await ctx.db
    .query("video_jobs")
    .withIndex("by_status_and_claim_request", (q) =>
      q.eq("status", "PROCESSING").eq("claim.workerId", workerId).eq("claim.requestId", requestId),
    )
    .first();
}

/**
 * The job, if `claimToken` is its current claim; otherwise a `stale_claim` error. The id comes
 * from the worker's request as a string: one that names no job reads as a stale claim too.
 */
export async function requireActiveClaim(
  ctx: QueryCtx,
  jobId: string,
  claimToken: string,
): Promise<Doc<"video_jobs">> {
  const id = ctx.db.normalizeId("video_jobs", jobId);
  const job = id === null ? null : await ctx.db.get("video_jobs", id);
  if (job === null || job.status !== "PROCESSING" || job.claim?.token !== claimToken) {
    throw appError("stale_claim", "This worker no longer holds the job.");
  }
  return job;
}

/**
 * Hand-backs (`handBack`: a worker shutting down mid-job, or a claim that could not be sent)
 * that do not count as attempts: the job did nothing wrong. Past these, a hand-back counts like
 * a lost worker, so a job that somehow always outlives its worker still ends.
 */
export const FREE_HAND_BACKS = 5;

/** The claims that count against `WORKER_MAX_ATTEMPTS`: all but the free hand-backs. */
function countedAttempts(job: Doc<"video_jobs">): number {
  return job.attempt - Math.min(job.handBacks ?? 0, FREE_HAND_BACKS);
}

/**
 * Ends a claim that will not finish: back to UPLOADED with a backoff while attempts remain,
 * otherwise FAILED. Used for lost leases and for retryable errors reported by the worker.
 */
export async function releaseForRetry(
  ctx: MutationCtx,
  job: Doc<"video_jobs">,
  failure: JobFailure,
  actor: "worker" | "system",
  now: number,
): Promise<"requeued" | "failed"> {
  const attempts = countedAttempts(job);
  if (attempts >= workerMaxAttempts()) {
    await failJob(ctx, job, failure, actor);
    return "failed";
  }
  const notBefore = now + retryDelayMs(attempts);
  await transitionJob(ctx, job, "UPLOADED", {
    actor,
    detail: `retry after ${failure.code}`,
    patch: { claim: undefined, progress: undefined, notBefore },
  });
  await scheduleWorkerWake(ctx, notBefore);
  return "requeued";
}

/**
 * Why a claim is handed back, each not the job's fault: a worker shutting down mid-job (a
 * deploy, a scale-down, a preempted container; `fail` with `interrupted`), or a claim whose
 * answer the claim route could not build after the claim committed (signing the source URL
 * failed), so no worker ever got it.
 */
export type HandBackReason = "shutdown" | "undelivered_claim";

const HAND_BACK_DETAILS: Readonly<Record<HandBackReason, string>> = {
  shutdown: "handed back by a worker shutting down",
  undelivered_claim: "handed back: the claim could not be sent to the worker",
};

/**
 * Gives a claim back: the job is claimable again at once, and the claim does not count as an
 * attempt while the job has free hand-backs left (shared by every reason). After those, or when
 * the claim's lease had already run out (the worker had stalled), it is released like a lost
 * worker's (`worker_lost`, backoff, an attempt), so a claim that always fails to be sent (a
 * broken storage setting) still ends.
 */
export async function handBack(
  ctx: MutationCtx,
  job: Doc<"video_jobs">,
  now: number,
  reason: HandBackReason,
): Promise<"requeued" | "failed"> {
  const handBacks = (job.handBacks ?? 0) + 1;
  const leaseRanOut = (job.claim?.leaseExpiresAt ?? 0) < now;
  if (handBacks > FREE_HAND_BACKS || leaseRanOut) return await releaseForRetry(ctx, job, makeFailure("worker_lost"), "worker", now);
  await transitionJob(ctx, job, "UPLOADED", {
    actor: "worker",
    detail: HAND_BACK_DETAILS[reason],
    patch: { claim: undefined, progress: undefined, handBacks, notBefore: now },
  });
  await scheduleWorkerWake(ctx, now);
  return "requeued";
}

/** Releases up to `limit` PROCESSING jobs whose lease ran out (the cron's sweep, and each claim). */
export async function requeueExpiredLeases(ctx: MutationCtx, now: number, limit: number): Promise<number> {
  const expired = await ctx.db
    .query("video_jobs")
    .withIndex("by_status_and_lease", (q) => q.eq("status", "PROCESSING").lt("claim.leaseExpiresAt", now))
    .take(limit);
  for (const job of expired) {
    await releaseForRetry(ctx, job, makeFailure("worker_lost"), "system", now);
  }
  return expired.length;
}
