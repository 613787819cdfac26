/**
 * Which query or mutation is running, for the isolate's restricted APIs (`isolate.ts`) and
 * Convex's time limits (`limits.ts`). Actions' own code runs outside any entry.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type TransactionKind = "query" | "mutation";

export type RunningTransaction = { kind: TransactionKind; startedAt: number };

const running = new AsyncLocalStorage<RunningTransaction>();

/** Runs `fn` as the body of a query or mutation: the isolate's restricted APIs refuse to run inside it. */
export function runAsTransaction<T>(kind: TransactionKind, fn: () => T): T {
  return running.run({ kind, startedAt: Date.now() }, fn);
}

/** Runs `fn` outside any query or mutation (an action started from one, e.g. by the scheduler). */
export function runOutsideTransaction<T>(fn: () => T): T {
  return running.exit(fn);
}

/** The query or mutation running now, if any. */
export function currentTransaction(): RunningTransaction | undefined {
  return running.getStore();
}
