/**
 * A convex-test harness that counts, per function, the calls that reached its handler: Convex
 * validates a call's arguments before the handler runs, so a call counted here passed the
 * function's argument validation and whatever it then threw came from the handler (its own
 * writes' schema validation included). The hostile-input drill uses it to tell a refusal by
 * argument validation from a fault raised inside.
 *
 * The same modules, with the same Convex limits, as `newConvexTest` (the counter sits inside
 * the limits, so a call the limits refuse before the handler is not counted). A test file uses
 * one harness or the other: a function is put under the limits once per process, so after
 * `newConvexTest` the counter would wrap outside them.
 */
import { convexTest } from "convex-test";
import { convexTestTransactionLimits, installConvexLimits, limitModuleFunctions } from "../../scripts/convex-offline/limits";
import schema from "../schema";
import { modules } from "../test.setup";

const entries = new Map<string, number>();

type RegisteredFunction = { _handler?: (...args: unknown[]) => unknown };

/** The function objects already counted: a module's exports are the same objects at every load (see `limitModuleFunctions`). */
const countedFunctions = new WeakSet<object>();

function countHandlers(modulePath: string, exported: Record<string, unknown>): void {
  for (const [exportName, value] of Object.entries(exported)) {
    const fn = value as RegisteredFunction | undefined;
    if (typeof fn?._handler !== "function" || countedFunctions.has(fn)) continue;
    countedFunctions.add(fn);
    const inner = fn._handler;
    const path = `${modulePath}.${exportName}`;
    fn._handler = (...args: unknown[]) => {
      entries.set(path, (entries.get(path) ?? 0) + 1);
      return inner(...args);
    };
  }
}

const countedModules = Object.fromEntries(
  Object.entries(modules).map(([file, load]) => {
    const modulePath = file.replace(/^\.\//, "").replace(/\.[^./]+$/, "");
    const counted = async () => {
      const exported = (await load()) as Record<string, unknown>;
      if (!modulePath.startsWith("_generated/")) {
        countHandlers(modulePath, exported);
        limitModuleFunctions(modulePath, exported, { runtime: "isolate", actionTimeouts: false });
      }
      return exported;
    };
    return [file, counted];
  }),
);

/** `newConvexTest` whose handlers count their calls (`handlerEntries`). */
export function newCountingConvexTest() {
  const t = convexTest({ schema, modules: countedModules, transactionLimits: convexTestTransactionLimits() });
  installConvexLimits();
  return t;
}

/** Calls that reached `path`'s handler so far (`module.export`, e.g. `jobs.cancel`). */
export function handlerEntries(path: string): number {
  return entries.get(path) ?? 0;
}

/** Calls that reached any handler so far. */
export function allHandlerEntries(): number {
  let total = 0;
  for (const count of entries.values()) total += count;
  return total;
}
