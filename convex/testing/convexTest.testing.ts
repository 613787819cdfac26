/**
 * Shared set-up for convex-test suites. The `.testing.ts` name keeps this file out of the
 * deployed functions (Convex ignores module names with more than one dot).
 *
 * The harness enforces Convex's limits that convex-test alone does not, with Convex's own
 * messages (see `scripts/convex-offline/limits.ts` and its README's "Limits" table):
 * transaction reads, writes, index ranges and scheduled functions; arrays, fields, nesting
 * and sizes of documents, arguments and return values; 1 s of execution per query or mutation.
 * A test that trips one has found something a deployment would refuse.
 */
import { convexTest } from "convex-test";
import {
  convexTestTransactionLimits,
  installConvexLimits,
  limitModuleFunctions,
} from "../../scripts/convex-offline/limits";
import schema from "../schema";
import { modules } from "../test.setup";
import type { Id } from "../_generated/dataModel";

/** The modules map with every exported function under Convex's limits (action timeouts aside: tests fake timers). */
const limitedModules = Object.fromEntries(
  Object.entries(modules).map(([file, load]) => {
    const modulePath = file.replace(/^\.\//, "").replace(/\.[^./]+$/, "");
    const limited = async () => {
      const exported = (await load()) as Record<string, unknown>;
      if (!modulePath.startsWith("_generated/")) {
        limitModuleFunctions(modulePath, exported, { runtime: "isolate", actionTimeouts: false });
      }
      return exported;
    };
    return [file, limited];
  }),
);

export function newConvexTest() {
  const t = convexTest({ schema, modules: limitedModules, transactionLimits: convexTestTransactionLimits() });
  installConvexLimits();
  return t;
}

export type ConvexTestHarness = ReturnType<typeof newConvexTest>;

/** A fresh guest user, and the harness acting as that user (Convex Auth's subject format). */
export async function signInAsNewUser(t: ConvexTestHarness) {
  const userId: Id<"users"> = await t.run((ctx) => ctx.db.insert("users", { isAnonymous: true }));
  const as = t.withIdentity({ subject: `${userId}|session-${userId}`, issuer: "http://test" });
  return { userId, as };
}
