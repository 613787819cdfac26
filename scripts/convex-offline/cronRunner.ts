/**
 * Runs the jobs registered in `convex/crons.ts` on real timers (convex-test does not), each
 * as an internal call of its mutation or action.
 *
 * With a data folder each job's next run is kept (`CronPlans`), so a restart keeps the plan: a
 * run that fell due while the backend was down runs once at start-up, and one still ahead
 * keeps its time (an interval job is not pushed back by every restart).
 */
import { nextRunAfter } from "./cronSchedule";
import type { FunctionExecutor } from "./executor";
import type { CronJob } from "./loadProject";
import type { Logger } from "./log";

const MAX_TIMER_MS = 2 ** 31 - 1;

export type CronPlan = { next: number; schedule: string };

/** Where the jobs' next runs are kept between runs of the backend. */
export type CronPlans = {
  planned(identifier: string): CronPlan | undefined;
  plan(identifier: string, plan: CronPlan): void;
};

export class CronRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly jobs: CronJob[],
    private readonly executor: FunctionExecutor,
    private readonly log: Logger,
    private readonly plans?: CronPlans,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const kept = this.plans?.planned(job.identifier);
      if (kept === undefined || kept.schedule !== scheduleKey(job)) {
        this.scheduleNext(job);
        continue;
      }
      if (kept.next <= Date.now()) {
        this.log.info(`[cron] "${job.identifier}" was due at ${new Date(kept.next).toISOString()} while the backend was down: running it now`);
      }
      this.arm(job, kept.next);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleNext(job: CronJob): void {
    if (this.stopped) return;
    const next = nextRunAfter(job.schedule, new Date()).getTime();
    this.plans?.plan(job.identifier, { next, schedule: scheduleKey(job) });
    this.arm(job, next);
  }

  private arm(job: CronJob, at: number): void {
    const delayMs = Math.max(0, at - Date.now());
    // A run further out than setTimeout can wait is re-armed when the long wait ends.
    const timer = setTimeout(
      () => (delayMs > MAX_TIMER_MS ? this.arm(job, at) : void this.run(job)),
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

function scheduleKey(job: CronJob): string {
  return JSON.stringify(job.schedule);
}
