/**
 * Which query or mutation is running, for the isolate's restricted APIs (`isolate.ts`) and
 * Convex's time limits (`limits.ts`). Actions' own code runs outside any entry.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import process from "node:process";

export type TransactionKind = "query" | "mutation";

/**
 * A query's or mutation's user time, as Convex counts it: the clock runs while the function's
 * own code runs and stops while it waits on a syscall (Convex's isolate `Timeout::pause`), so
 * the backend's work on its reads and writes, and whatever else the process does meanwhile,
 * is not the function's. Counted in this process's CPU time (microseconds), which a busy
 * machine does not stretch the way it stretches the wall clock.
 */
export type UserClock = { spentMicros: number; runningSince: number | undefined; waits: number };

export type RunningTransaction = { kind: TransactionKind; startedAt: number; userClock: UserClock };

const running = new AsyncLocalStorage<RunningTransaction>();

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Runs `fn` as the body of a query or mutation: the isolate's restricted APIs refuse to run inside it. */
export function runAsTransaction<T>(kind: TransactionKind, fn: () => T): T {
  const userClock: UserClock = { spentMicros: 0, runningSince: cpuMicros(), waits: 0 };
  return running.run({ kind, startedAt: Date.now(), userClock }, fn);
}

/** Stops the running function's user clock while `wait` (a syscall) is pending; the clock counts overlapping waits once. */
export function outsideUserTime<T>(wait: () => Promise<T>): Promise<T> {
  const clock = running.getStore()?.userClock;
  if (clock === undefined) return wait();
  if (clock.waits++ === 0 && clock.runningSince !== undefined) {
    clock.spentMicros += cpuMicros() - clock.runningSince;
    clock.runningSince = undefined;
  }
  const resume = () => {
    if (--clock.waits === 0) clock.runningSince = cpuMicros();
  };
  let pending: Promise<T>;
  try {
    pending = wait();
  } catch (error) {
    resume();
    throw error;
  }
  return pending.finally(resume);
}

/** The running function's user time so far, in milliseconds (0 outside a query or mutation). */
export function userTimeMs(): number {
  const clock = running.getStore()?.userClock;
  if (clock === undefined) return 0;
  const runningFor = clock.runningSince === undefined ? 0 : cpuMicros() - clock.runningSince;
  return (clock.spentMicros + runningFor) / 1000;
}

/** Runs `fn` outside any query or mutation (an action started from one, e.g. by the scheduler). */
export function runOutsideTransaction<T>(fn: () => T): T {
  return running.exit(fn);
}

/** The query or mutation running now, if any. */
export function currentTransaction(): RunningTransaction | undefined {
  return running.getStore();
}
