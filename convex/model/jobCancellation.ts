/**
 * Cancel: FAILED with `canceled` from any non-terminal state. An unfinished multipart upload
 * is dropped from storage; a worker holding the job learns at its next heartbeat and stops
 * without writing anything more (its claim token no longer matches).
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { makeFailure } from "../lib/failures";
import { requireOwnedJob } from "./jobAccess";
import { failJob } from "./jobTransitions";
import { scheduleStorageAborts } from "./uploadSessions";

export async function cancelJob(ctx: MutationCtx, userId: Id<"users">, jobId: Id<"video_jobs">): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status === "FAILED") return;
  if (job.status === "READY") throw appError("invalid_state", "This job has already finished.", { status: job.status });
  await failJob(ctx, job, makeFailure("canceled"), "user");
  const uploadUnfinished = job.status === "UPLOAD_READY" || job.status === "UPLOADING";
  if (uploadUnfinished && job.upload !== undefined) await scheduleStorageAborts(ctx, [job.upload]);
}
