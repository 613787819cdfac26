"use node";
/**
 * Fetches a new job's title, author and thumbnail from YouTube's oEmbed endpoint and records
 * the outcome. Scheduled by `jobs.createJobFromYouTubeUrl`. When YouTube cannot be asked
 * (offline, rate-limited, private video) the job still moves on, with the metadata the id
 * alone gives; only a video YouTube says does not exist fails the job.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import { deriveSourceMeta } from "./lib/sourceMeta";
import { fetchOEmbed } from "./model/oembed";

export const fetchSourceMeta = internalAction({
  args: { jobId: v.id("video_jobs"), videoId: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, videoId }) => {
    const result = await fetchOEmbed(videoId);
    switch (result.kind) {
      case "found":
        await ctx.runMutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: result.meta });
        break;
      case "not_found":
        await ctx.runMutation(internal.sourceMeta.recordVideoNotFound, { jobId });
        break;
      case "unavailable":
        console.warn(
          `oEmbed unavailable for ${videoId} after ${result.attempts} attempt(s): ${result.reason}` +
            `${result.detail === undefined ? "" : ` (${result.detail})`}; using metadata derived from the id.`,
        );
        await ctx.runMutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: deriveSourceMeta(videoId) });
        break;
    }
    return null;
  },
});
