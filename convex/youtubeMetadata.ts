"use node";
/**
 * Fetches a new job's title, author and thumbnail from YouTube's oEmbed endpoint and records
 * the outcome. Scheduled by `jobs.createJobFromYouTubeUrl`. When YouTube cannot be asked
 * (offline, rate-limited, private video) the job still moves on, with the metadata the id
 * alone gives; only a video YouTube says does not exist fails the job. Even a lookup that
 * throws (an `OEMBED_ENDPOINT` that is not a URL) moves the job on, with derived metadata.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import { deriveSourceMeta } from "./lib/sourceMeta";
import { fetchOEmbed, type OEmbedResult } from "./model/oembed";

export const fetchSourceMeta = internalAction({
  args: { jobId: v.id("video_jobs"), videoId: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, videoId }) => {
    let result: OEmbedResult;
    try {
      result = await fetchOEmbed(videoId);
    } catch (error) {
      // A misconfigured OEMBED_ENDPOINT (or a bug) must not leave the job in CREATED for good.
      console.error(
        `oEmbed lookup for ${videoId} failed: ${error instanceof Error ? error.message : String(error)}; ` +
          "using metadata derived from the id.",
      );
      await ctx.runMutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: deriveSourceMeta(videoId) });
      return null;
    }
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
