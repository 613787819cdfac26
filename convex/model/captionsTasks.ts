/**
 * The captions task of a job (issue 21): queued by `workerQueue.completeJob` in the transaction
 * that makes a job with sound READY, retried by its owner (`captions.retry`) as a new task at
 * the same artifact index, so the artifacts keep their keys. The latest task is the job's.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { insertQueuedTask } from "./taskTransitions";
import { scheduleWorkerWake } from "./workerWakeSchedule";

/** Every captions task of a job writes `captions_vtt/0.vtt` and `transcript/0.json`. */
export const CAPTIONS_INDEX = 0;
/** The key every captions task of a job shares (`by_job_and_key`). */
export const CAPTIONS_KEY = "captions";
/** At most this many captions tasks per job, the first included: retries are bounded. */
export const MAX_CAPTIONS_TASKS_PER_JOB = 4;

export async function latestCaptionsTask(ctx: QueryCtx, jobId: Id<"video_jobs">): Promise<Doc<"tasks"> | null> {
  return await ctx.db
    .query("tasks")
    .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "captions").eq("index", CAPTIONS_INDEX))
    .order("desc")
    .first();
}

export async function countCaptionsTasks(ctx: QueryCtx, jobId: Id<"video_jobs">): Promise<number> {
  const tasks = await ctx.db
    .query("tasks")
    .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "captions").eq("index", CAPTIONS_INDEX))
    .take(MAX_CAPTIONS_TASKS_PER_JOB);
  return tasks.length;
}

/** A job that has just become READY: a captions task when its probed media has sound (and none yet). */
export async function queueCaptionsOnReady(ctx: MutationCtx, job: Doc<"video_jobs">): Promise<Id<"tasks"> | null> {
  if (job.media?.hasAudio !== true) return null;
  if ((await latestCaptionsTask(ctx, job._id)) !== null) return null;
  return await queueCaptionsTask(ctx, job, "system");
}

export async function queueCaptionsTask(ctx: MutationCtx, job: Doc<"video_jobs">, actor: "system" | "user"): Promise<Id<"tasks">> {
  const taskId = await insertQueuedTask(
    ctx,
    { kind: "captions", jobId: job._id, ownerId: job.ownerId, index: CAPTIONS_INDEX, key: CAPTIONS_KEY },
    actor,
  );
  await scheduleWorkerWake(ctx, Date.now(), "captions");
  return taskId;
}
