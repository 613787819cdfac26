/**
 * The owner's view of a job's artifacts: the list (live, as they land) and short-lived
 * download URLs.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalQuery } from "./_generated/server";
import { appError } from "./lib/appErrors";
import { artifactDownloadName } from "./lib/downloadFileName";
import { artifactKind, artifactMeasurements } from "./lib/validators";
import { userAction, userQuery } from "./model/authedFunctions";
import { getOwnedJob } from "./model/jobAccess";

/** What the owner sees of an artifact: no storage key. */
const artifactView = v.object({
  _id: v.id("video_artifacts"),
  kind: artifactKind,
  index: v.number(),
  contentType: v.string(),
  bytes: v.number(),
  ...artifactMeasurements,
  createdAt: v.number(),
});

/** Lifetime of a download URL: long enough to start a download, short enough not to share. */
export const DOWNLOAD_URL_TTL_SECONDS = 300;

export const listForJob = userQuery({
  args: { jobId: v.id("video_jobs") },
  returns: v.union(v.array(artifactView), v.null()),
  handler: async (ctx, { jobId }) => {
    const job = await getOwnedJob(ctx, ctx.userId, jobId);
    if (job === null) return null;
    const rows = await ctx.db
      .query("video_artifacts")
      .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId))
      .take(500);
    return rows.map(({ _id, kind, index, contentType, bytes, width, height, durationSec, startSec, createdAt }) => ({
      _id,
      kind,
      index,
      contentType,
      bytes,
      createdAt,
      ...definedOnly({ width, height, durationSec, startSec }),
    }));
  },
});

export const getDownloadUrl = userAction({
  args: { artifactId: v.id("video_artifacts") },
  /**
   * `expiresInMs`: the URL's lifetime left when the call answers (a lifetime, not a time of
   * day, as clocks differ). `expiresAt` (the server's clock) is for pages loaded before
   * `expiresInMs` existed, which an open tab may still run; this version's pages do not read it.
   */
  returns: v.object({ url: v.string(), expiresInMs: v.number(), expiresAt: v.number() }),
  handler: async (ctx, { artifactId }): Promise<{ url: string; expiresInMs: number; expiresAt: number }> => {
    const download: { key: string; fileName: string } | null = await ctx.runQuery(internal.artifacts.ownedDownload, {
      userId: ctx.userId,
      artifactId,
    });
    if (download === null) throw appError("not_found", "No such file.");
    const signedAt = Date.now();
    const url: string = await ctx.runAction(internal.workerStorage.signArtifactDownload, {
      key: download.key,
      fileName: download.fileName,
      ttlSeconds: DOWNLOAD_URL_TTL_SECONDS,
    });
    const expiresAt = signedAt + DOWNLOAD_URL_TTL_SECONDS * 1000;
    return { url, expiresInMs: Math.max(0, expiresAt - Date.now()), expiresAt };
  },
});

/** Where the user's artifact is stored and the name it downloads as; null when it is not theirs. */
export const ownedDownload = internalQuery({
  args: { userId: v.id("users"), artifactId: v.id("video_artifacts") },
  returns: v.union(v.object({ key: v.string(), fileName: v.string() }), v.null()),
  handler: async (ctx, { userId, artifactId }) => {
    const artifact = await ctx.db.get("video_artifacts", artifactId);
    if (artifact === null) return null;
    const job = await getOwnedJob(ctx, userId, artifact.jobId);
    if (job === null) return null;
    return {
      key: artifact.r2Key,
      fileName: artifactDownloadName(artifact, { title: job.sourceMeta?.title, videoId: job.videoId }),
    };
  },
});

function definedOnly<T extends Record<string, number | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
