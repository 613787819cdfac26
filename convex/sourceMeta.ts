/**
 * Where the metadata action writes its outcome. Both mutations act only on a job still
 * waiting for its metadata: the user may have canceled it while YouTube was being asked,
 * and a late answer is then simply dropped. `finishStalledLookups` (a cron) moves on the
 * jobs whose lookup never wrote anything.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { makeFailure } from "./lib/failures";
import { deriveSourceMeta } from "./lib/sourceMeta";
import { sourceMeta } from "./lib/validators";
import { failJob, transitionJob } from "./model/jobTransitions";

/**
 * A lookup takes at most about 16 s (3 attempts of at most 5 s, `OEMBED_DEFAULTS`); a job still
 * CREATED this long after it was made lost its lookup (Convex runs a scheduled action at most
 * once: a restart or a deploy while it ran, or a failed write, leaves nothing behind).
 */
export const STALLED_LOOKUP_MS = 2 * 60_000;
const STALLED_BATCH_SIZE = 100;

async function getJobAwaitingMeta(ctx: MutationCtx, jobId: Id<"video_jobs">): Promise<Doc<"video_jobs"> | null> {
  const job = await ctx.db.get("video_jobs", jobId);
  return job !== null && job.status === "CREATED" ? job : null;
}

export const recordSourceMeta = internalMutation({
  args: { jobId: v.id("video_jobs"), sourceMeta },
  returns: v.null(),
  handler: async (ctx, { jobId, sourceMeta }) => {
    const job = await getJobAwaitingMeta(ctx, jobId);
    if (job === null) return null;
    await transitionJob(ctx, job, "META_READY", { actor: "system", detail: sourceMeta.source, patch: { sourceMeta } });
    return null;
  },
});

/**
 * Moves a CREATED job on without asking YouTube, with the metadata its id gives; `reason` goes
 * into its timeline (`derived (<reason>)`).
 */
export async function moveOnWithDerivedMeta(ctx: MutationCtx, job: Doc<"video_jobs">, reason: string): Promise<void> {
  await transitionJob(ctx, job, "META_READY", {
    actor: "system",
    detail: `derived (${reason})`,
    patch: { sourceMeta: deriveSourceMeta(job.videoId) },
  });
}

/** Gives each job whose lookup stalled the metadata its video id alone gives, as an unavailable YouTube would. */
export const finishStalledLookups = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const stalled = await ctx.db
      .query("video_jobs")
      .withIndex("by_status_and_activity", (q) => q.eq("status", "CREATED").lt("lastActivityAt", Date.now() - STALLED_LOOKUP_MS))
      .take(STALLED_BATCH_SIZE);
    for (const job of stalled) await moveOnWithDerivedMeta(ctx, job, "the lookup did not finish");
    if (stalled.length === STALLED_BATCH_SIZE) await ctx.scheduler.runAfter(0, internal.sourceMeta.finishStalledLookups, {});
    return stalled.length;
  },
});

export const recordVideoNotFound = internalMutation({
  args: { jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    const job = await getJobAwaitingMeta(ctx, jobId);
    if (job === null) return null;
    await failJob(ctx, job, makeFailure("video_not_found"), "system");
    return null;
  },
});
