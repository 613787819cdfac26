/**
 * Claims and processes jobs and tasks (the `kinds` the worker serves) with up to `concurrency` slots.
 *
 * The loop never polls. `wake()` fills the free slots; each slot claims and processes jobs
 * until a claim comes back empty. The local worker calls `wake()` from its Convex
 * subscription to `workerQueue.nextClaimableAt`; Modal's `drain` calls it once and waits
 * for `idle()`. After `stopClaiming()` the jobs in hand carry on; once `shutdownSignal`
 * aborts they stop and hand themselves back. A slot whose claim fails (Convex unreachable, a
 * wrong secret) stops and logs why; the next wake starts it again, and `drainQueue` fails.
 */
import type { ClaimedJob, ClaimedTask, WorkKind } from "../../convex/lib/workerProtocol";
import { processClaimedJob, type JobOutcome, type ProcessJobDeps } from "./processClaimedJob";
import { processClaimedTask } from "./processClaimedTask";

export type ClaimLoopOptions = ProcessJobDeps & {
  workerId: string;
  concurrency: number;
  /** The work this worker claims (`WORKER_KINDS`); unset: jobs only. */
  kinds?: readonly WorkKind[];
  /** Default `processClaimedJob`; tests pass a stand-in. */
  processJob?: (job: ClaimedJob, deps: ProcessJobDeps) => Promise<JobOutcome>;
  /** Default `processClaimedTask`; tests pass a stand-in. */
  processTask?: (task: ClaimedTask, deps: ProcessJobDeps) => Promise<JobOutcome>;
};

export function createClaimLoop(options: ClaimLoopOptions) {
  const { api, log, shutdownSignal } = options;
  const processJob = options.processJob ?? processClaimedJob;
  const processTask = options.processTask ?? processClaimedTask;
  const outcomes: JobOutcome[] = [];
  const slotFailures: string[] = [];
  let activeSlots = 0;
  // Bumped by every wake: a slot whose claim came back empty looks again if a wake arrived
  // meanwhile, so a job that appears between "queue empty" and "slot exits" is not missed.
  let wakeGeneration = 0;
  let idleWaiters: Array<() => void> = [];
  let claiming = true;

  async function runSlot() {
    activeSlots++;
    try {
      while (claiming && !shutdownSignal.aborted) {
        const generation = wakeGeneration;
        const { job, task } = await api.claim(options.workerId, options.kinds);
        if (job !== null) {
          log.info("job claimed", { jobId: job.jobId, attempt: job.attempt });
          outcomes.push(await processJob(job, options));
        } else if (task) {
          log.info("task claimed", { taskId: task.taskId, kind: task.kind, attempt: task.attempt });
          outcomes.push(await processTask(task, options));
        } else if (generation === wakeGeneration) {
          return;
        }
      }
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      slotFailures.push(cause);
      log.warn("claim slot stopped", { cause });
    } finally {
      activeSlots--;
      if (activeSlots === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  return {
    wake() {
      wakeGeneration++;
      while (claiming && activeSlots < options.concurrency && !shutdownSignal.aborted) void runSlot();
    },
    /** No new claims from now on; jobs in hand carry on. */
    stopClaiming() {
      claiming = false;
    },
    /** Resolves when no slot is working. */
    idle(): Promise<void> {
      return activeSlots === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    outcomes: (): readonly JobOutcome[] => outcomes,
    /** Why slots stopped on an error, oldest first. */
    slotFailures: (): readonly string[] => slotFailures,
  };
}

/** A drain that could not look at the queue: it must not pass for "the queue is empty". */
export class DrainFailedError extends Error {
  constructor(readonly failures: readonly string[]) {
    super(`The queue could not be drained (${failures.length} claim slot(s) stopped): ${failures[0]}`);
    this.name = "DrainFailedError";
  }
}

export type ClaimLoop = ReturnType<typeof createClaimLoop>;

/**
 * Claims until the queue is empty: what Modal's `drain` runs. Rejects with `DrainFailedError`
 * when a claim failed, so the process exits non-zero and Modal's retry runs it again.
 */
export async function drainQueue(options: ClaimLoopOptions): Promise<readonly JobOutcome[]> {
  return await drainLoop(createClaimLoop(options));
}

export type DrainOptions = {
  /**
   * Stop claiming new jobs this long after the drain starts; the jobs in hand carry on. Modal
   * stops a drain at its time limit, so each job claimed within this window keeps at least
   * the rest of that limit to finish (`modal/app.py`).
   */
  claimForMs?: number;
};

/** `drainQueue` with a loop the caller holds (to stop its claims on a signal). */
export async function drainLoop(loop: ClaimLoop, { claimForMs }: DrainOptions = {}): Promise<readonly JobOutcome[]> {
  const claimWindow = claimForMs === undefined ? undefined : setTimeout(() => loop.stopClaiming(), claimForMs);
  try {
    loop.wake();
    await loop.idle();
  } finally {
    clearTimeout(claimWindow);
  }
  if (loop.slotFailures().length > 0) throw new DrainFailedError(loop.slotFailures());
  return loop.outcomes();
}
