/**
 * The upload janitor: uploads left idle for longer than `UPLOAD_ABANDON_HOURS`, or unfinished
 * 6 days after they started, become FAILED with `upload_abandoned`, and their multipart uploads
 * are aborted in storage.
 */
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { failAbandonedUploads as failIdleUploads } from "./model/uploadSessions";

export const failAbandonedUploads = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await failIdleUploads(ctx);
    return null;
  },
});
