/**
 * Tells the backend when a Convex function writes, whatever started it: a client
 * mutation, an action's `runMutation`, a scheduled function, a cron or an HTTP action.
 *
 * `convex-test` commits writes inside its own closures and exposes no commit hook, but
 * every function reaches the database through the `Convex` global's syscalls. Wrapping
 * that global sees each write as it is staged. The write is not committed yet at that
 * point, but that is enough: `convex-test` runs one transaction at a time, so the queries
 * re-run in response wait until the writing transaction has committed or rolled back.
 *
 * Which backend to tell is carried in an AsyncLocalStorage entered around every function
 * the backend starts; scheduled functions inherit it through their timers.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const WRITE_SYSCALLS = new Set([
  "1.0/insert",
  "1.0/shallowMerge",
  "1.0/replace",
  "1.0/remove",
  "1.0/schedule",
  "1.0/cancel_job",
  "1.0/storageDelete",
  // Actions write through these without passing the inner syscall through the global.
  "1.0/actions/schedule",
  "1.0/actions/cancel_job",
]);
const WRITE_JS_SYSCALLS = new Set(["storage/storeBlob"]);

const writeListener = new AsyncLocalStorage<() => void>();
const WRAPPED = Symbol.for("reeldrop.convexOffline.writeObserver");

type ConvexSyscalls = {
  syscall: (op: string, args: string) => string;
  asyncSyscall: (op: string, args: string) => Promise<string>;
  jsSyscall: (op: string, args: Record<string, unknown>) => unknown;
};

/** Runs `fn` so that every write it causes, now or later, calls `onWrite`. */
export function runObservingWrites<T>(onWrite: () => void, fn: () => Promise<T>): Promise<T> {
  return writeListener.run(onWrite, fn);
}

/** Wraps the `Convex` global that `convexTest()` installs; call after the first `convexTest()`. */
export function installWriteObserver(): void {
  const global = globalThis as { Convex?: ConvexSyscalls & { [WRAPPED]?: true } };
  const inner = global.Convex;
  if (!inner) throw new Error("convexTest() must run before the write observer is installed");
  if (inner[WRAPPED]) return;
  const notify = () => writeListener.getStore()?.();
  global.Convex = {
    [WRAPPED]: true,
    syscall: (op, args) => inner.syscall(op, args),
    asyncSyscall: async (op, args) => {
      if (!WRITE_SYSCALLS.has(op)) return await inner.asyncSyscall(op, args);
      notify();
      try {
        return await inner.asyncSyscall(op, args);
      } finally {
        // For the `actions/*` calls the write has committed by now; tell again so the
        // re-run cannot have slipped in before it.
        notify();
      }
    },
    jsSyscall: (op, args) => {
      if (WRITE_JS_SYSCALLS.has(op)) notify();
      return inner.jsSyscall(op, args);
    },
  };
}
