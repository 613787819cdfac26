/**
 * Captions of a job (issue 21): a `captions` task queued when a job with sound becomes READY
 * (`model/captionsTasks.ts`), claimed by a worker that has the model, READY with a WebVTT and a
 * transcript (`captions_vtt/0.vtt`, `transcript/0.json`) or FAILED with a code; the job stays
 * READY whatever happens here. The page reads `forJob` live and may `retry` a failure.
 *
 * | refusal | code |
 * | --- | --- |
 * | not your job, or no such job | `not_found` |
 * | the job is not READY, or has no sound | `invalid_state` |
 * | its uploaded video is no longer kept | `source_gone` |
 * | the captions are queued, running or READY | `captions_not_ready` |
 * | `MAX_CAPTIONS_TASKS_PER_JOB` tries made | `too_many_retries` |
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { appError } from "./lib/appErrors";
import { captionsFailure, captionsProgress } from "./lib/captionsView";
import { captionsView, type CaptionsView } from "./lib/taskValidators";
import { userMutation, userQuery } from "./model/authedFunctions";
import { CAPTIONS_INDEX, countCaptionsTasks, latestCaptionsTask, MAX_CAPTIONS_TASKS_PER_JOB, queueCaptionsTask } from "./model/captionsTasks";
import { getOwnedJob, requireOwnedJob } from "./model/jobAccess";

/** The job's captions, live: null when it is not the caller's job (or no job) or it has none. */
export const forJob = userQuery({
  args: { jobId: v.id("video_jobs") },
  returns: v.union(captionsView, v.null()),
  handler: async (ctx, { jobId }) => {
    const job = await getOwnedJob(ctx, ctx.userId, jobId);
    if (job === null) return null;
    const task = await latestCaptionsTask(ctx, jobId);
    if (task === null) return null;
    return await viewOfCaptions(ctx, task, await countCaptionsTasks(ctx, jobId));
  },
});

async function viewOfCaptions(ctx: QueryCtx, task: Doc<"tasks">, tries: number): Promise<CaptionsView> {
  const artifact = async (kind: "captions_vtt" | "transcript") =>
    (
      await ctx.db
        .query("video_artifacts")
        .withIndex("by_job_kind_index", (q) => q.eq("jobId", task.jobId).eq("kind", kind).eq("index", CAPTIONS_INDEX))
        .unique()
    )?._id;
  const base = { taskId: task._id, canRetry: task.status === "FAILED" && tries < MAX_CAPTIONS_TASKS_PER_JOB };
  switch (task.status) {
    case "QUEUED":
      return { ...base, status: "QUEUED" };
    case "RUNNING":
      return { ...base, status: "TRANSCRIBING", progress: captionsProgress(task.progress) };
    case "FAILED":
      return { ...base, status: "FAILED", failure: captionsFailure(task.failure?.code ?? "processing_error") };
    case "READY": {
      const [vttArtifactId, transcriptArtifactId] = [await artifact("captions_vtt"), await artifact("transcript")];
      return {
        ...base,
        status: "READY",
        speech: task.captions?.speech ?? false,
        ...(task.captions?.language === undefined ? {} : { language: task.captions.language }),
        ...(vttArtifactId === undefined ? {} : { vttArtifactId }),
        ...(transcriptArtifactId === undefined ? {} : { transcriptArtifactId }),
      };
    }
  }
}

/**
 * Transcribe again after a failure (or for a READY job with sound that never had captions
 * queued): a new task at the same artifact index. Bounded: only when nothing is waiting or
 * READY, and at most `MAX_CAPTIONS_TASKS_PER_JOB` tries per job.
 */
export const retry = userMutation({
  args: { jobId: v.id("video_jobs") },
  returns: v.object({ taskId: v.id("tasks") }),
  handler: async (ctx, { jobId }) => {
    const job = await requireOwnedJob(ctx, ctx.userId, jobId);
    if (job.status !== "READY" || job.media?.hasAudio !== true) {
      throw appError("invalid_state", "Captions are made for a ready video with sound.");
    }
    if (job.sourceDeletedAt !== undefined || job.r2SourceKey === undefined) {
      throw appError("source_gone", "The uploaded video is no longer kept, so captions can no longer be made.");
    }
    const latest = await latestCaptionsTask(ctx, jobId);
    if (latest !== null && latest.status !== "FAILED") {
      throw appError("captions_not_ready", "These captions are already being made or are ready.");
    }
    if ((await countCaptionsTasks(ctx, jobId)) >= MAX_CAPTIONS_TASKS_PER_JOB) {
      throw appError("too_many_retries", `Captions were tried ${MAX_CAPTIONS_TASKS_PER_JOB} times for this video.`, {
        limit: MAX_CAPTIONS_TASKS_PER_JOB,
      });
    }
    return { taskId: await queueCaptionsTask(ctx, job, "user") };
  },
});
