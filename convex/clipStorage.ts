"use node";
/** The presigned URL the owner's page plays the uploaded video from while picking a clip. Node, like every S3 call. */
import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { openSourceStorage } from "./model/multipartStorage";
import { presignGetObject } from "./model/objectUrls";

export const signSourcePlayback = internalAction({
  args: { key: v.string(), ttlSeconds: v.number() },
  returns: v.string(),
  handler: async (_ctx, { key, ttlSeconds }) => await presignGetObject(openSourceStorage(), key, ttlSeconds),
});
