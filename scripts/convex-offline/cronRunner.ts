/**
 * Runs the jobs registered in `convex/crons.ts` on real timers (convex-test does not), each
 * as an internal call of its mutation or action.
 */
import { nextRunAfter } from "./cronSchedule";
import type { FunctionExecutor } from "./executor";
import type { CronJob } from "./loadProject";
import type { Logger } from "./log";

const MAX_TIMER_MS = 2 ** 31 - 1;

export class CronRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly jobs: CronJob[],
    private readonly executor: FunctionExecutor,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) this.scheduleNext(job);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleNext(job: CronJob): void {
    if (this.stopped) return;
    const delayMs = Math.max(0, nextRunAfter(job.schedule, new Date()).getTime() - Date.now());
    // A run further out than setTimeout can wait is re-planned when the long wait ends.
    const timer = setTimeout(
      () => (delayMs > MAX_TIMER_MS ? this.scheduleNext(job) : void this.run(job)),
      Math.min(delayMs, MAX_TIMER_MS),
    );
    this.timers.set(job.identifier, timer);
  }

  private async run(job: CronJob): Promise<void> {
    const outcome = await this.executor.run(job.functionPath, job.args, null, { caller: "system" });
    if (!outcome.success) this.log.error(`[cron] "${job.identifier}" (${job.functionPath}) failed: ${outcome.errorMessage}`);
    this.scheduleNext(job);
  }
}
