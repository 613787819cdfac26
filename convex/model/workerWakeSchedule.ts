/** The one place that schedules a worker wake-up for a job that is (or will be) claimable. */
import { internal } from "../_generated/api";
import type { MutationCtx } from "../_generated/server";

export async function scheduleWorkerWake(ctx: MutationCtx, claimableAt: number): Promise<void> {
  await ctx.scheduler.runAt(claimableAt, internal.workerWake.wakeWorker, {});
}
