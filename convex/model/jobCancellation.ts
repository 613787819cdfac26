/**
 * Cancel: FAILED with `canceled` from any non-terminal state. Like every failure, it drops the
 * job's upload from storage (`failJob`): the parts of an unfinished one, or the stored source. A
 * worker holding the job learns at its next heartbeat and stops without writing anything more
 * (its claim token no longer matches).
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { makeFailure } from "../lib/failures";
import { requireOwnedJob } from "./jobAccess";
import { failJob } from "./jobTransitions";

export async function cancelJob(ctx: MutationCtx, userId: Id<"users">, jobId: Id<"video_jobs">): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status === "FAILED") return;
  if (job.status === "READY") throw appError("invalid_state", "This job has already finished.", { status: job.status });
  await failJob(ctx, job, makeFailure("canceled"), "user");
}
