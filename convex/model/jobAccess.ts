/**
 * Ownership checks. Another user's job is indistinguishable from a missing one: both read
 * as `null`, and both raise the same `not_found` error.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";

export async function getOwnedJob(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<Doc<"video_jobs"> | null> {
  const job = await ctx.db.get("video_jobs", jobId);
  return job !== null && job.ownerId === userId ? job : null;
}

export async function requireOwnedJob(
  ctx: QueryCtx,
  userId: Id<"users">,
  jobId: Id<"video_jobs">,
): Promise<Doc<"video_jobs">> {
  const job = await getOwnedJob(ctx, userId, jobId);
  if (job === null) throw appError("not_found", "No such job.");
  return job;
}
