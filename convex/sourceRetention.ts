/**
 * Keeping uploaded videos for clips. A READY job keeps its source for `SOURCE_RETENTION_DAYS`
 * from when it became READY (`video_jobs.sourceKeptSince`); then this hourly sweep deletes it
 * from storage, marks the job (`sourceDeletedAt`: the page says clips can no longer be made),
 * and fails the job's waiting clips as `source_gone`. The job stays READY with its artifacts.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { makeTaskFailure, WAITING_TASK_STATUSES } from "./lib/taskStatus";
import { MAX_CLIPS_PER_JOB, sourceRetentionMs } from "./model/clipConfig";
import { failTask } from "./model/taskTransitions";

/** Jobs one sweep handles: each may fail up to `MAX_CLIPS_PER_JOB` tasks, so a sweep stays a small transaction. */
const JOBS_PER_SWEEP = 10;

export const deleteExpiredSources = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const now = Date.now();
    const expired = await ctx.db
      .query("video_jobs")
      .withIndex("by_source_kept_since", (q) => q.gt("sourceKeptSince", 0).lt("sourceKeptSince", now - sourceRetentionMs()))
      .take(JOBS_PER_SWEEP);
    for (const job of expired) {
      await ctx.db.patch("video_jobs", job._id, { sourceKeptSince: undefined, sourceDeletedAt: now, updatedAt: now });
      const tasks = await ctx.db
        .query("tasks")
        .withIndex("by_job_kind_index", (q) => q.eq("jobId", job._id))
        .take(MAX_CLIPS_PER_JOB);
      for (const task of tasks) {
        if (WAITING_TASK_STATUSES.includes(task.status)) await failTask(ctx, task, makeTaskFailure("source_gone"), "system");
      }
      if (job.upload !== undefined) {
        await ctx.scheduler.runAfter(0, internal.uploadStorage.abortMultipartUploads, {
          uploads: [{ key: job.upload.key, uploadId: job.upload.uploadId }],
          sourceStored: true,
        });
      }
    }
    // More than one sweep's worth: the next one goes on at once rather than in an hour.
    if (expired.length === JOBS_PER_SWEEP) await ctx.scheduler.runAfter(0, internal.sourceRetention.deleteExpiredSources, {});
    return expired.length;
  },
});
