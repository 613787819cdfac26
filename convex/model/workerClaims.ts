/**
 * Claims, leases and fencing for every queue of worker work: uploaded jobs to process and tasks
 * on READY jobs (clips; captions next), each a `WorkQueue` (`workQueues.ts`). This module is the
 * one algorithm; a queue only says where its rows are and how its status moves.
 *
 * A claim is one mutation: of the queues a worker serves, the claimable row with the earliest
 * `notBefore` (of an owner with nothing in hand in that queue, when one is among the
 * `FAIR_CLAIM_WINDOW` earliest) gets a fresh token and a lease. Convex runs mutations
 * serializably, so two workers can never both claim a row.
 * Every later worker write names the token; once a lease is lost (expired and requeued, or the
 * row failed or was canceled) the token no longer matches and the write is refused.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import type { EventActor } from "../lib/validators";
import { drainFor, scheduleWorkerWake } from "./workerWakeSchedule";
import { retryDelayMs, workerLeaseMs, workerMaxAttempts } from "./workerConfig";

/**
 * How many lost leases one claim releases per queue before it claims; the cron's sweep takes
 * the rest. Small, so a claim stays a small transaction even after many workers died at once.
 */
export const RELEASES_PER_CLAIM = 5;
/** How many of a queue's oldest claimable rows a claim looks through for an owner with nothing in hand. */
export const FAIR_CLAIM_WINDOW = 50;
/**
 * Hand-backs (a worker shutting down mid-work, or a claim that could not be sent) that do not
 * count as attempts: the row did nothing wrong. Past these, a hand-back counts like a lost
 * worker, so a row that somehow always outlives its worker still ends.
 */
export const FREE_HAND_BACKS = 5;

/** What every claimable row has, a job's and a task's alike. */
export type ClaimableRow = {
  _creationTime: number;
  ownerId: Id<"users">;
  attempt: number;
  handBacks?: number;
  notBefore?: number;
  claim?: { token: string; workerId: string; leaseExpiresAt: number; requestId?: string };
};

/** A claimed row, as the claim route answers it. */
export type ClaimedWork = { type: "job"; job: Doc<"video_jobs"> } | { type: "task"; task: Doc<"tasks"> };

/** Why a claim ends without success but may be tried again (`releaseForRetry`). */
export type RetryFailure = { code: "worker_lost" | "processing_error"; message?: string };

export type ClaimFields = Required<Pick<ClaimableRow, "attempt" | "claim">> & { progress: Doc<"video_jobs">["progress"] };
export type RequeueFields = { notBefore: number; handBacks?: number };

/** One table of claimable work as this module sees it. Method syntax: a queue of jobs is a `WorkQueue<ClaimableRow>` too. */
export interface WorkQueue<Row extends ClaimableRow> {
  /** The claimable rows whose `notBefore` has passed, earliest first, at most `limit`. */
  claimable(ctx: QueryCtx, now: number, limit: number): Promise<Row[]>;
  /** Whether the owner already has a row of this queue in hand. */
  ownerBusy(ctx: QueryCtx, ownerId: Id<"users">): Promise<boolean>;
  /** The row in hand that this worker's claim request claimed. */
  claimedByRequest(ctx: QueryCtx, workerId: string, requestId: string): Promise<Row | null>;
  /** Rows in hand whose lease ran out before `now`, at most `limit`. */
  expiredLeases(ctx: QueryCtx, now: number, limit: number): Promise<Row[]>;
  /** The row named by a worker's id string, if it is in hand (one that names nothing reads as null). */
  inHand(ctx: QueryCtx, id: string): Promise<Row | null>;
  /** Earliest of: when the oldest queued row becomes claimable, when the earliest lease runs out. */
  nextDueAt(ctx: QueryCtx): Promise<number | null>;
  /** The row as a claim's answer is built from it. */
  asClaimed(row: Row): ClaimedWork;
  /** Into hand with the claim (PROCESSING, RUNNING); answers the claimed row, as `asClaimed`. */
  start(ctx: MutationCtx, row: Row, fields: ClaimFields, detail: string): Promise<ClaimedWork>;
  /** Back to the queue, claim and progress cleared (UPLOADED, QUEUED). */
  requeue(ctx: MutationCtx, row: Row, fields: RequeueFields, actor: EventActor, detail: string): Promise<void>;
  /** FAILED after the last attempt. */
  fail(ctx: MutationCtx, row: Row, failure: RetryFailure, actor: EventActor): Promise<void>;
}

/** Who asks for a claim: the worker, and its name for this request (the same on its retries). */
export type ClaimRequest = { workerId: string; requestId?: string };

/**
 * The claim, over the queues the worker serves. A retry of a request that already claimed
 * (the worker never got the answer: a timeout, a dropped connection, a 5xx after the commit)
 * gets that row back, while the claim stands, instead of claiming another that nobody would
 * work on. Otherwise it first releases rows whose lease ran out, as the cron's sweep does, so a
 * crashed worker's work comes back as soon as any worker asks. Then it claims the earliest
 * candidate of the queues (`nextInFairOrder` in each). A row released here is backing off, so it
 * is not claimed in the same transaction; `nextClaimableAt` tells waiting workers when it will be.
 */
export async function claimNext(
  ctx: MutationCtx,
  queues: ReadonlyArray<WorkQueue<ClaimableRow>>,
  { workerId, requestId }: ClaimRequest,
  now: number,
): Promise<ClaimedWork | null> {
  if (requestId !== undefined) {
    for (const queue of queues) {
      const alreadyClaimed = await queue.claimedByRequest(ctx, workerId, requestId);
      if (alreadyClaimed !== null) return queue.asClaimed(alreadyClaimed);
    }
  }
  let best: { queue: WorkQueue<ClaimableRow>; row: ClaimableRow } | null = null;
  for (const queue of queues) {
    await requeueExpiredLeases(ctx, queue, now, RELEASES_PER_CLAIM);
    const row = await nextInFairOrder(ctx, queue, now);
    if (row !== null && (best === null || claimableAt(row) < claimableAt(best.row))) best = { queue, row };
  }
  if (best === null) return null;
  const attempt = best.row.attempt + 1;
  const claim = {
    token: crypto.randomUUID(),
    workerId,
    leaseExpiresAt: now + workerLeaseMs(),
    ...(requestId === undefined ? {} : { requestId }),
  };
  // Not the worker's id in the detail: it names a host and a process, and the owner reads the timeline.
  return await best.queue.start(ctx, best.row, { attempt, claim, progress: { stage: "claimed", pct: 0, updatedAt: now } }, `attempt ${attempt}`);
}

function claimableAt(row: ClaimableRow): number {
  return row.notBefore ?? row._creationTime;
}

/**
 * The oldest claimable row whose owner has nothing of this queue in hand, else the oldest: one
 * user's batch does not hold everyone else's behind it while workers are busy with theirs. Looks
 * at most `FAIR_CLAIM_WINDOW` rows deep and asks about each owner once, so the claim's reads stay
 * few, and a heartbeat (which writes its row) only conflicts with a claim that looked at its owner.
 */
async function nextInFairOrder<Row extends ClaimableRow>(ctx: MutationCtx, queue: WorkQueue<Row>, now: number): Promise<Row | null> {
  const oldest = await queue.claimable(ctx, now, FAIR_CLAIM_WINDOW);
  const busy = new Map<Id<"users">, boolean>();
  for (const row of oldest) {
    let ownerBusy = busy.get(row.ownerId);
    if (ownerBusy === undefined) {
      ownerBusy = await queue.ownerBusy(ctx, row.ownerId);
      busy.set(row.ownerId, ownerBusy);
    }
    if (!ownerBusy) return row;
  }
  return oldest[0] ?? null;
}

/** The row, if `claimToken` is its current claim; otherwise a `stale_claim` error. */
export async function requireActiveClaim<Row extends ClaimableRow>(
  ctx: QueryCtx,
  queue: WorkQueue<Row>,
  id: string,
  claimToken: string,
): Promise<Row> {
  const row = await queue.inHand(ctx, id);
  if (row === null || row.claim?.token !== claimToken) {
    throw appError("stale_claim", "This worker no longer holds the work.");
  }
  return row;
}

/** The claims that count against `WORKER_MAX_ATTEMPTS`: all but the free hand-backs. */
function countedAttempts(row: ClaimableRow): number {
  return row.attempt - Math.min(row.handBacks ?? 0, FREE_HAND_BACKS);
}

/**
 * Ends a claim that will not finish: back to the queue with a backoff while attempts remain,
 * otherwise FAILED. Used for lost leases and for retryable errors reported by the worker.
 */
export async function releaseForRetry<Row extends ClaimableRow>(
  ctx: MutationCtx,
  queue: WorkQueue<Row>,
  row: Row,
  failure: RetryFailure,
  actor: "worker" | "system",
  now: number,
): Promise<"requeued" | "failed"> {
  const attempts = countedAttempts(row);
  if (attempts >= workerMaxAttempts()) {
    await queue.fail(ctx, row, failure, actor);
    return "failed";
  }
  const notBefore = now + retryDelayMs(attempts);
  await queue.requeue(ctx, row, { notBefore }, actor, `retry after ${failure.code}`);
  await scheduleWorkerWake(ctx, notBefore, drainFor(row));
  return "requeued";
}

/**
 * Why a claim is handed back, each not the row's fault: a worker shutting down mid-work (a
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
 * Gives a claim back: claimable again at once, and not counted as an attempt while the row has
 * free hand-backs left (shared by every reason). After those, or when the claim's lease had
 * already run out (the worker had stalled), it is released like a lost worker's (`worker_lost`,
 * backoff, an attempt), so a claim that always fails to be sent (a broken storage setting) still ends.
 */
export async function handBack<Row extends ClaimableRow>(
  ctx: MutationCtx,
  queue: WorkQueue<Row>,
  row: Row,
  now: number,
  reason: HandBackReason,
): Promise<"requeued" | "failed"> {
  const handBacks = (row.handBacks ?? 0) + 1;
  const leaseRanOut = (row.claim?.leaseExpiresAt ?? 0) < now;
  if (handBacks > FREE_HAND_BACKS || leaseRanOut) return await releaseForRetry(ctx, queue, row, { code: "worker_lost" }, "worker", now);
  await queue.requeue(ctx, row, { notBefore: now, handBacks }, "worker", HAND_BACK_DETAILS[reason]);
  await scheduleWorkerWake(ctx, now, drainFor(row));
  return "requeued";
}

/** Releases up to `limit` rows in hand whose lease ran out (the cron's sweep, and each claim). */
export async function requeueExpiredLeases<Row extends ClaimableRow>(
  ctx: MutationCtx,
  queue: WorkQueue<Row>,
  now: number,
  limit: number,
): Promise<number> {
  const expired = await queue.expiredLeases(ctx, now, limit);
  for (const row of expired) await releaseForRetry(ctx, queue, row, { code: "worker_lost" }, "system", now);
  return expired.length;
}

/** When the next claim over these queues may find work; null: nothing queued and nothing leased. */
export async function nextDueAt(ctx: QueryCtx, queues: ReadonlyArray<WorkQueue<ClaimableRow>>): Promise<number | null> {
  const times: number[] = [];
  for (const queue of queues) {
    const at = await queue.nextDueAt(ctx);
    if (at !== null) times.push(at);
  }
  return times.length === 0 ? null : Math.min(...times);
}
