/**
 * The worker's queues, as `workerClaims.ts` works them: uploaded jobs to process (UPLOADED →
 * PROCESSING, `video_jobs`) and tasks of the kinds a worker serves (QUEUED → RUNNING, `tasks`).
 * Each says where its rows are (indexes) and how its status moves (the transition helpers); the
 * claim, lease, fencing, hand-back and reaper logic is written once, in `workerClaims.ts`.
 *
 * A worker names the work it serves (`WORK_KINDS`: "process" and the task kinds); one that
 * names nothing is an older bundle, which only processes jobs.
 */
import type { Doc } from "../_generated/dataModel";
import { makeFailure } from "../lib/failures";
import { makeTaskFailure, TASK_KINDS, type TaskKind } from "../lib/taskStatus";
import type { WorkKind } from "../lib/workerProtocol";
import { failJob, transitionJob } from "./jobTransitions";
import { failTask, transitionTask } from "./taskTransitions";
import type { ClaimableRow, WorkQueue } from "./workerClaims";

export const jobQueue: WorkQueue<Doc<"video_jobs">> = {
  claimable: (ctx, now, limit) =>
    ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_notBefore", (q) => q.eq("status", "UPLOADED").lte("notBefore", now))
      .take(limit),
  ownerBusy: async (ctx, ownerId) =>
    (await ctx.db
      .query("video_jobs")
      .withIndex("by_owner_and_status", (q) => q.eq("ownerId", ownerId).eq("status", "PROCESSING"))
      .first()) !== null,
  claimedByRequest: (ctx, workerId, requestId) =>
    ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_claim_request", (q) =>
        q.eq("status", "PROCESSING").eq("claim.workerId", workerId).eq("claim.requestId", requestId),
      )
      .first(),
  expiredLeases: (ctx, now, limit) =>
    ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_lease", (q) => q.eq("status", "PROCESSING").lt("claim.leaseExpiresAt", now))
      .take(limit),
  inHand: async (ctx, id) => {
    const jobId = ctx.db.normalizeId("video_jobs", id);
    const job = jobId === null ? null : await ctx.db.get("video_jobs", jobId);
    return job?.status === "PROCESSING" ? job : null;
  },
  nextDueAt: async (ctx) => {
    const queued = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_notBefore", (q) => q.eq("status", "UPLOADED"))
      .first();
    const leased = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_lease", (q) => q.eq("status", "PROCESSING"))
      .first();
    return earliest(queued && (queued.notBefore ?? queued._creationTime), leased?.claim?.leaseExpiresAt);
  },
  asClaimed: (job) => ({ type: "job", job }),
  start: async (ctx, job, fields, detail) => {
    await transitionJob(ctx, job, "PROCESSING", { actor: "worker", detail, patch: { ...fields, notBefore: undefined } });
    return { type: "job", job: (await ctx.db.get("video_jobs", job._id))! };
  },
  requeue: async (ctx, job, fields, actor, detail) => {
    await transitionJob(ctx, job, "UPLOADED", { actor, detail, patch: { ...fields, claim: undefined, progress: undefined } });
  },
  fail: (ctx, job, { code, message }, actor) => failJob(ctx, job, makeFailure(code, message), actor),
};

/** The queue of tasks of `kinds` (all of them for the reaper, which releases any lost lease). */
export function taskQueue(kinds: readonly TaskKind[] = TASK_KINDS): WorkQueue<Doc<"tasks">> {
  return {
    claimable: async (ctx, now, limit) => {
      const perKind = await Promise.all(
        kinds.map((kind) =>
          ctx.db
            .query("tasks")
            .withIndex("by_kind_status_notBefore", (q) => q.eq("kind", kind).eq("status", "QUEUED").lte("notBefore", now))
            .take(limit),
        ),
      );
      return perKind
        .flat()
        .sort((a, b) => (a.notBefore ?? a._creationTime) - (b.notBefore ?? b._creationTime))
        .slice(0, limit);
    },
    ownerBusy: async (ctx, ownerId) => {
      for (const kind of kinds) {
        const running = await ctx.db
          .query("tasks")
          .withIndex("by_owner_kind_status", (q) => q.eq("ownerId", ownerId).eq("kind", kind).eq("status", "RUNNING"))
          .first();
        if (running !== null) return true;
      }
      return false;
    },
    claimedByRequest: async (ctx, workerId, requestId) => {
      const task = await ctx.db
        .query("tasks")
        .withIndex("by_status_and_claim_request", (q) =>
          q.eq("status", "RUNNING").eq("claim.workerId", workerId).eq("claim.requestId", requestId),
        )
        .first();
      return task !== null && kinds.includes(task.kind) ? task : null;
    },
    expiredLeases: (ctx, now, limit) =>
      ctx.db
        .query("tasks")
        .withIndex("by_status_and_lease", (q) => q.eq("status", "RUNNING").lt("claim.leaseExpiresAt", now))
        .take(limit),
    inHand: async (ctx, id) => {
      const taskId = ctx.db.normalizeId("tasks", id);
      const task = taskId === null ? null : await ctx.db.get("tasks", taskId);
      return task?.status === "RUNNING" && kinds.includes(task.kind) ? task : null;
    },
    nextDueAt: async (ctx) => {
      const queued = await Promise.all(
        kinds.map((kind) =>
          ctx.db
            .query("tasks")
            .withIndex("by_kind_status_notBefore", (q) => q.eq("kind", kind).eq("status", "QUEUED"))
            .first(),
        ),
      );
      // Any kind's lease: a claim releases every lost lease it sees, whatever its kind.
      const leased = await ctx.db
        .query("tasks")
        .withIndex("by_status_and_lease", (q) => q.eq("status", "RUNNING"))
        .first();
      return earliest(...queued.map((task) => task && (task.notBefore ?? task._creationTime)), leased?.claim?.leaseExpiresAt);
    },
    asClaimed: (task) => ({ type: "task", task }),
    start: async (ctx, task, fields, detail) => {
      await transitionTask(ctx, task, "RUNNING", { actor: "worker", detail, patch: { ...fields, notBefore: undefined } });
      return { type: "task", task: (await ctx.db.get("tasks", task._id))! };
    },
    requeue: async (ctx, task, fields, actor, detail) => {
      await transitionTask(ctx, task, "QUEUED", { actor, detail, patch: { ...fields, claim: undefined, progress: undefined } });
    },
    fail: (ctx, task, { code, message }, actor) => failTask(ctx, task, makeTaskFailure(code, message), actor),
  };
}

/** The queues a worker serving `kinds` claims from; an older worker that names none processes jobs only. */
export function queuesFor(kinds: readonly WorkKind[] | undefined): Array<WorkQueue<ClaimableRow>> {
  const served = kinds ?? ["process"];
  const taskKinds = TASK_KINDS.filter((kind) => served.includes(kind));
  return [...(served.includes("process") ? [jobQueue] : []), ...(taskKinds.length > 0 ? [taskQueue(taskKinds)] : [])];
}

/** Every queue: the reaper releases lost leases of all of them. */
export const ALL_QUEUES: ReadonlyArray<WorkQueue<ClaimableRow>> = [jobQueue, taskQueue()];

function earliest(...times: Array<number | null | undefined>): number | null {
  const known = times.filter((time): time is number => typeof time === "number");
  return known.length === 0 ? null : Math.min(...known);
}
