"use node";
/**
 * Presigned URLs for single objects: the worker's source download and artifact uploads (so
 * the worker holds no storage credentials) and the owner's artifact downloads. Node, like
 * every S3 call (see `uploadStorage.ts`). Internal: reached only after the worker API's
 * secret and claim checks, or the artifact API's ownership check.
 */
import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { ARTIFACT_CONTENT_TYPES, artifactKey } from "./lib/artifactKinds";
import { artifactKind } from "./lib/validators";
import { openSourceStorage } from "./model/multipartStorage";
import { presignGetObject, presignPutObject } from "./model/objectUrls";

/** Long enough to download a large source on a slow link; the URL is only ever in the worker. */
const SOURCE_DOWNLOAD_TTL_SECONDS = 6 * 60 * 60;
/** Artifact URLs are asked for right before each upload batch. */
const ARTIFACT_UPLOAD_TTL_SECONDS = 30 * 60;

export const signSourceDownload = internalAction({
  args: { key: v.string() },
  returns: v.string(),
  handler: async (_ctx, { key }) => await presignGetObject(openSourceStorage(), key, SOURCE_DOWNLOAD_TTL_SECONDS),
});

export const signArtifactUploads = internalAction({
  args: { jobId: v.id("video_jobs"), artifacts: v.array(v.object({ kind: artifactKind, index: v.number() })) },
  returns: v.array(v.object({ kind: artifactKind, index: v.number(), url: v.string(), contentType: v.string() })),
  handler: async (_ctx, { jobId, artifacts }) => {
    const storage = openSourceStorage();
    return await Promise.all(
      artifacts.map(async ({ kind, index }) => {
        const contentType = ARTIFACT_CONTENT_TYPES[kind];
        const url = await presignPutObject(storage, artifactKey(jobId, kind, index), contentType, ARTIFACT_UPLOAD_TTL_SECONDS);
        return { kind, index, url, contentType };
      }),
    );
  },
});

export const signArtifactDownload = internalAction({
  args: { key: v.string(), fileName: v.string(), ttlSeconds: v.number() },
  returns: v.string(),
  handler: async (_ctx, { key, fileName, ttlSeconds }) =>
    await presignGetObject(openSourceStorage(), key, ttlSeconds, fileName),
});
