// @vitest-environment node
/**
 * A query's or mutation's 1 s is user time, as Convex's isolate counts it: its own code's
 * time, not the time it waits on syscalls (Convex pauses the timeout during them). Before
 * this, the double counted the process's CPU for the whole call, so a function waiting while
 * the backend (or anything else in the process) worked could time out here and not on Convex.
 * The limit is lowered to 100 ms; the busy work is 300 ms of CPU.
 */
import process from "node:process";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { installConvexLimits, limitFunctionHandler, overrideConvexLimits } from "../limits";

type Syscalls = {
  syscall: (op: string, args: string) => string;
  asyncSyscall: (op: string, args: string) => Promise<string>;
  jsSyscall: (op: string, args: Record<string, unknown>) => unknown;
};

const BUSY_MS = 300;
const LIMIT_MS = 100;

/** Keeps this thread busy until it has used `ms` of CPU time (not of the clock: a loaded machine stretches that). */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

/** What the backend does for one syscall: here, `BUSY_MS` of CPU before it answers. */
let backendWork: () => Promise<string> = async () => "null";

function convex(): Syscalls {
  return (globalThis as unknown as { Convex: Syscalls }).Convex;
}

function limitedQuery(body: () => Promise<unknown>) {
  return limitFunctionHandler("query", () => body(), { runtime: "isolate", actionTimeouts: false, name: "userTime:q" });
}

const readOnce = () => convex().asyncSyscall("1.0/get", "{}");

describe("a query's user time", () => {
  let restore: () => void;
  beforeAll(() => {
    (globalThis as unknown as { Convex: Syscalls }).Convex = {
      syscall: () => "null",
      asyncSyscall: () => backendWork(),
      jsSyscall: () => null,
    };
    installConvexLimits();
  });
  afterEach(() => {
    restore?.();
    backendWork = async () => "null";
  });

  it("leaves out the backend's work on its syscalls", async () => {
    restore = overrideConvexLimits({ transactionUserTimeMs: LIMIT_MS });
    backendWork = () => {
      burnCpu(BUSY_MS);
      return Promise.resolve("null");
    };
    await expect(limitedQuery(async () => (await readOnce(), "answered"))({}, {})).resolves.toBe("answered");
  });

  it("leaves out the process's other work while the query waits", async () => {
    restore = overrideConvexLimits({ transactionUserTimeMs: LIMIT_MS });
    backendWork = () =>
      new Promise((resolve) =>
        setTimeout(() => {
          burnCpu(BUSY_MS);
          resolve("null");
        }, 1),
      );
    const query = limitedQuery(async () => {
      await Promise.all([readOnce(), readOnce()]);
      await readOnce();
      return "answered";
    });
    await expect(query({}, {})).resolves.toBe("answered");
  });

  it("counts the query's own work, summed across its waits", async () => {
    restore = overrideConvexLimits({ transactionUserTimeMs: LIMIT_MS });
    const query = limitedQuery(async () => {
      burnCpu(LIMIT_MS * 0.6);
      await readOnce();
      burnCpu(LIMIT_MS * 0.6);
      return "answered";
    });
    await expect(query({}, {})).rejects.toThrow("Function execution timed out (maximum duration: 100ms)");
  });

  it("counts the query's own work when it never waits", async () => {
    restore = overrideConvexLimits({ transactionUserTimeMs: LIMIT_MS });
    await expect(limitedQuery(async () => burnCpu(BUSY_MS))({}, {})).rejects.toThrow(
      "Function execution timed out (maximum duration: 100ms)",
    );
  });
});
