/**
 * Clips on demand: the owner of a READY job asks for a range of it in a shape (`requestClip`),
 * and a worker cuts it as a task (`lib/taskStatus.ts`: QUEUED → RENDERING → READY / FAILED,
 * claimed like a job through `model/workerClaims.ts`). The job itself stays READY.
 *
 * | refusal | code |
 * | --- | --- |
 * | not your job, or no such job | `not_found` |
 * | the job is not READY | `invalid_state` |
 * | its uploaded video is no longer kept | `source_gone` |
 * | range not finite, negative, past the end, under 1 s or over `MAX_CLIP_SECONDS` | `invalid_clip_range` |
 * | `captions: true` before the job's captions are READY with speech | `captions_not_ready` |
 * | `CLIPS_WAITING_PER_USER` of yours already waiting, or `MAX_CLIPS_PER_JOB` on the job | `too_many_clips` |
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalQuery, type MutationCtx } from "./_generated/server";
import { appError } from "./lib/appErrors";
import { clipRangeProblem, clipRequestKey, type ClipAspect } from "./lib/clipFrames";
import { clipStatusOf, WAITING_TASK_STATUSES } from "./lib/taskStatus";
import { clipAspect, clipView, type ClipView } from "./lib/taskValidators";
import { userAction, userMutation, userQuery } from "./model/authedFunctions";
import { clipsWaitingPerUser, maxClipSeconds, MAX_CLIPS_PER_JOB } from "./model/clipConfig";
import { getOwnedJob, requireOwnedJob } from "./model/jobAccess";
import { latestCaptionsTask } from "./model/captionsTasks";
import { insertQueuedTask } from "./model/taskTransitions";
import { scheduleWorkerWake } from "./model/workerWakeSchedule";

/** Lifetime of the page's URL for playing the uploaded video while picking a range. */
export const SOURCE_PLAYBACK_TTL_SECONDS = 30 * 60;

export const requestClip = userMutation({
  args: { jobId: v.id("video_jobs"), startSec: v.number(), endSec: v.number(), aspect: clipAspect, captions: v.optional(v.boolean()) },
  returns: v.object({ clipId: v.id("tasks") }),
  handler: async (ctx, { jobId, startSec, endSec, aspect, captions }) => {
    const job = await requireClippableJob(ctx, ctx.userId, jobId);
    const burnIn = captions === true;
    if (burnIn) await requireCaptionsToBurn(ctx, jobId);
    // To the millisecond: what the key compares is what is stored and cut.
    const range = { startSec: Math.round(startSec * 1000) / 1000, endSec: Math.round(endSec * 1000) / 1000 };
    const problem = clipRangeProblem(range.startSec, range.endSec, job.media!.durationSec, maxClipSeconds());
    if (problem !== null) throw appError("invalid_clip_range", problem.message);
    // With captions burned in it is another clip than without.
    const key = clipRequestKey(range.startSec, range.endSec, aspect) + (burnIn ? "+captions" : "");
    const same = await findSameClip(ctx, jobId, key);
    if (same !== null) return { clipId: same._id };
    await requireRoomForClip(ctx, ctx.userId, jobId);
    const last = await ctx.db
      .query("tasks")
      .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "clip"))
      .order("desc")
      .first();
    const clipId = await insertQueuedTask(
      ctx,
      {
        kind: "clip",
        jobId,
        ownerId: ctx.userId,
        index: (last?.index ?? -1) + 1,
        key,
        clip: { ...range, aspect, ...(burnIn ? { captions: true } : {}) },
      },
      "user",
    );
    await scheduleWorkerWake(ctx, Date.now());
    return { clipId };
  },
});

/** The job, if clips can be cut from it now. */
async function requireClippableJob(ctx: MutationCtx, userId: Id<"users">, jobId: Id<"video_jobs">): Promise<Doc<"video_jobs">> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status !== "READY") throw appError("invalid_state", "Clips can be made once the video is ready.");
  if (job.sourceDeletedAt !== undefined || job.r2SourceKey === undefined || job.media === undefined) {
    throw appError("source_gone", "The uploaded video is no longer kept, so clips can no longer be made from it.");
  }
  return job;
}

/** Captions can be burned in once the job's captions are READY and found speech. */
async function requireCaptionsToBurn(ctx: MutationCtx, jobId: Id<"video_jobs">): Promise<void> {
  const captions = await latestCaptionsTask(ctx, jobId);
  if (captions?.status !== "READY") {
    throw appError("captions_not_ready", "Captions can be burned in once the video's captions are ready.");
  }
  if (captions.captions?.speech !== true) throw appError("captions_not_ready", "This video has no speech to burn in.");
}

/** An earlier request for the same range and shape that has not failed: asking again returns it. */
async function findSameClip(ctx: MutationCtx, jobId: Id<"video_jobs">, key: string): Promise<Doc<"tasks"> | null> {
  const earlier = await ctx.db
    .query("tasks")
    .withIndex("by_job_and_key", (q) => q.eq("jobId", jobId).eq("key", key))
    .collect();
  return earlier.find((task) => task.status !== "FAILED") ?? null;
}

async function requireRoomForClip(ctx: MutationCtx, userId: Id<"users">, jobId: Id<"video_jobs">): Promise<void> {
  const cap = clipsWaitingPerUser();
  let waiting = 0;
  for (const status of WAITING_TASK_STATUSES) {
    const rows = await ctx.db
      .query("tasks")
      .withIndex("by_owner_kind_status", (q) => q.eq("ownerId", userId).eq("kind", "clip").eq("status", status))
      .take(cap);
    waiting += rows.length;
  }
  if (waiting >= cap) {
    throw appError("too_many_clips", `You have ${cap} clips waiting to be made. Request another once one is done.`, { limit: cap });
  }
  const made = await ctx.db
    .query("tasks")
    .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "clip"))
    .take(MAX_CLIPS_PER_JOB);
  if (made.length >= MAX_CLIPS_PER_JOB) {
    throw appError("too_many_clips", `A video can have at most ${MAX_CLIPS_PER_JOB} clips.`, { limit: MAX_CLIPS_PER_JOB });
  }
}

/** The job's clips, oldest first, live; null when it is not the caller's job (or no job). */
export const listForJob = userQuery({
  args: { jobId: v.id("video_jobs") },
  returns: v.union(v.array(clipView), v.null()),
  handler: async (ctx, { jobId }) => {
    const job = await getOwnedJob(ctx, ctx.userId, jobId);
    if (job === null) return null;
    const tasks = await ctx.db
      .query("tasks")
      .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", "clip"))
      .take(MAX_CLIPS_PER_JOB);
    return tasks.map(viewOfClip);
  },
});

/** What a clip's progress bar shows: cutting is most of the work, the upload the rest. */
const RENDER_SHARE = 90;

function viewOfClip(task: Doc<"tasks">): ClipView {
  const { startSec, endSec, aspect } = task.clip!;
  const status = clipStatusOf(task.status);
  const stage = task.progress?.stage;
  const pct = task.progress?.pct ?? 0;
  const progress = stage === "upload" ? RENDER_SHARE + (pct * (100 - RENDER_SHARE)) / 100 : stage === "render" ? (pct * RENDER_SHARE) / 100 : 0;
  return {
    _id: task._id,
    _creationTime: task._creationTime,
    status,
    startSec,
    endSec,
    aspect: aspect satisfies ClipAspect,
    ...(task.clip!.captions === true ? { captions: true } : {}),
    number: task.index + 1,
    ...(status === "RENDERING" ? { progress: Math.round(progress) } : {}),
    ...(task.artifactId === undefined ? {} : { artifactId: task.artifactId }),
    ...(task.failure === undefined ? {} : { failure: task.failure }),
  };
}

/**
 * A short-lived URL of the uploaded video itself, for the page's player to pick a range on (the
 * browser reads it with range requests). Refused like `requestClip` when clips cannot be made.
 */
export const getSourcePlaybackUrl = userAction({
  args: { jobId: v.id("video_jobs") },
  returns: v.object({ url: v.string(), expiresInMs: v.number() }),
  handler: async (ctx, { jobId }): Promise<{ url: string; expiresInMs: number }> => {
    const source: { key: string } | { refusal: "not_found" | "invalid_state" | "source_gone" } = await ctx.runQuery(
      internal.clips.ownedSource,
      { userId: ctx.userId, jobId },
    );
    if ("refusal" in source) throw appError(source.refusal, "This video cannot be played for clipping.");
    const signedAt = Date.now();
    const url: string = await ctx.runAction(internal.clipStorage.signSourcePlayback, {
      key: source.key,
      ttlSeconds: SOURCE_PLAYBACK_TTL_SECONDS,
    });
    return { url, expiresInMs: Math.max(0, signedAt + SOURCE_PLAYBACK_TTL_SECONDS * 1000 - Date.now()) };
  },
});

export const ownedSource = internalQuery({
  args: { userId: v.id("users"), jobId: v.id("video_jobs") },
  returns: v.union(
    v.object({ key: v.string() }),
    v.object({ refusal: v.union(v.literal("not_found"), v.literal("invalid_state"), v.literal("source_gone")) }),
  ),
  handler: async (ctx, { userId, jobId }) => {
    const job = await getOwnedJob(ctx, userId, jobId);
    if (job === null) return { refusal: "not_found" as const };
    if (job.status !== "READY") return { refusal: "invalid_state" as const };
    if (job.sourceDeletedAt !== undefined || job.r2SourceKey === undefined) return { refusal: "source_gone" as const };
    return { key: job.r2SourceKey };
  },
});
