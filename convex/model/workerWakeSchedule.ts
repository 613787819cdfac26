/** The one place that schedules a worker wake-up for a job that is (or will be) claimable. */
import { internal } from "../_generated/api";
import type { MutationCtx } from "../_generated/server";

/** `drain: "captions"` wakes the GPU drain that serves captions (`MODAL_CAPTIONS_FUNCTION_NAME`) instead. */
export async function scheduleWorkerWake(ctx: MutationCtx, claimableAt: number, drain?: "captions"): Promise<void> {
  await ctx.scheduler.runAt(claimableAt, internal.workerWake.wakeWorker, drain === undefined ? {} : { drain });
}

/** The drain that serves a row: the GPU one for a captions task, the CPU one for the rest. */
export function drainFor(row: object): "captions" | undefined {
  return "kind" in row && row.kind === "captions" ? "captions" : undefined;
}
