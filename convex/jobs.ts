/**
 * The public job API: intake from a YouTube link, the rights gate, and reading one's jobs.
 */
import { v } from "convex/values";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { internal } from "./_generated/api";
import { userMutation, userQuery } from "./model/authedFunctions";
import { getOwnedJob, requireOwnedJob } from "./model/jobAccess";
import { insertCreatedJob } from "./model/jobTransitions";
import { cancelJob } from "./model/jobCancellation";
import { oEmbedLookupsPerMinute, requireJobCreationAllowed, takeOEmbedLookup } from "./model/intakeLimits";
import { moveOnWithDerivedMeta } from "./sourceMeta";
import { toJobEventView, toJobView } from "./model/jobViews";
import { appError } from "./lib/appErrors";
import { parseYouTubeUrl } from "./lib/youtube";
import { RIGHTS_STATEMENT } from "./lib/rightsStatement";
import { jobEventView, jobView } from "./lib/validators";

export const createJobFromYouTubeUrl = userMutation({
  args: { url: v.string() },
  returns: v.object({ jobId: v.id("video_jobs") }),
  handler: async (ctx, { url }) => {
    const parsed = parseYouTubeUrl(url);
    if (!parsed.ok) throw appError("invalid_url", parsed.error);
    await requireJobCreationAllowed(ctx, ctx.userId);
    const jobId = await insertCreatedJob(
      ctx,
      { ownerId: ctx.userId, sourceUrl: parsed.canonicalUrl, videoId: parsed.videoId },
      "user",
    );
    if (await takeOEmbedLookup(ctx)) {
      await ctx.scheduler.runAfter(0, internal.youtubeMetadata.fetchSourceMeta, {
        jobId,
        videoId: parsed.videoId,
      });
    } else {
      console.warn(
        `This minute's ${oEmbedLookupsPerMinute()} oEmbed lookups are taken; job ${jobId} uses metadata derived from the id.`,
      );
      await moveOnWithDerivedMeta(ctx, (await ctx.db.get("video_jobs", jobId))!, "too many lookups this minute");
    }
    return { jobId };
  },
});

export const rightsStatement = userQuery({
  args: {},
  returns: v.object({ version: v.string(), text: v.string() }),
  handler: async () => ({ version: RIGHTS_STATEMENT.version, text: RIGHTS_STATEMENT.text }),
});

export const confirmRights = userMutation({
  args: { jobId: v.id("video_jobs"), statementVersion: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, statementVersion }) => {
    const job = await requireOwnedJob(ctx, ctx.userId, jobId);
    if (job.status !== "META_READY") {
      throw appError("invalid_state", "Rights can only be confirmed before the upload starts.", {
        status: job.status,
      });
    }
    if (statementVersion !== RIGHTS_STATEMENT.version) {
      throw appError("stale_statement", "The rights statement has changed. Read it again.", {
        currentVersion: RIGHTS_STATEMENT.version,
      });
    }
    const now = Date.now();
    await ctx.db.patch("video_jobs", jobId, {
      rights: { confirmedAt: now, confirmedBy: ctx.userId, statementVersion },
      updatedAt: now,
    });
    return null;
  },
});

/** Stops the job at whatever step it is in; canceling a failed job again changes nothing. */
export const cancel = userMutation({
  args: { jobId: v.id("video_jobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    await cancelJob(ctx, ctx.userId, jobId);
    return null;
  },
});

/**
 * The job page's first read. Its id comes from the page's address, so any string is taken: one
 * that is no job's id answers null, like another user's job, rather than an argument error the
 * page could not tell from a failure.
 */
export const get = userQuery({
  args: { jobId: v.string() },
  returns: v.union(jobView, v.null()),
  handler: async (ctx, { jobId: idText }) => {
    const jobId = ctx.db.normalizeId("video_jobs", idText);
    if (jobId === null) return null;
    const job = await getOwnedJob(ctx, ctx.userId, jobId);
    return job === null ? null : toJobView(job);
  },
});

const MAX_JOBS_PER_PAGE = 100;

export const listMine = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(jobView),
  handler: async (ctx, { paginationOpts }) => {
    const { numItems } = paginationOpts;
    if (!Number.isInteger(numItems) || numItems < 1 || numItems > MAX_JOBS_PER_PAGE) {
      throw appError("invalid_argument", `Ask for between 1 and ${MAX_JOBS_PER_PAGE} jobs per page.`);
    }
    const jobs = ctx.db
      .query("video_jobs")
      .withIndex("by_owner", (q) => q.eq("ownerId", ctx.userId))
      .order("desc");
    let page;
    try {
      page = await jobs.paginate(paginationOpts);
    } catch {
      // A cursor that is not one this query handed out (edited, from another query).
      throw appError("invalid_argument", "That page cursor is not valid.");
    }
    return { ...page, page: page.page.map(toJobView) };
  },
});

export const timeline = userQuery({
  args: { jobId: v.id("video_jobs") },
  returns: v.union(v.array(jobEventView), v.null()),
  handler: async (ctx, { jobId }) => {
    const job = await getOwnedJob(ctx, ctx.userId, jobId);
    if (job === null) return null;
    const events = await ctx.db
      .query("job_events")
      .withIndex("by_job", (q) => q.eq("jobId", jobId))
      .collect();
    return events.map(toJobEventView);
  },
});
