/**
 * Where the metadata action writes its outcome. Both mutations act only on a job still
 * waiting for its metadata: the user may have canceled it while YouTube was being asked,
 * and a late answer is then simply dropped.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { makeFailure } from "./lib/failures";
import { sourceMeta } from "./lib/validators";
import { failJob, transitionJob } from "./model/jobTransitions";

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
