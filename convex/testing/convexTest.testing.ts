/**
 * Shared set-up for convex-test suites. The `.testing.ts` name keeps this file out of the
 * deployed functions (Convex ignores module names with more than one dot).
 */
import { convexTest } from "convex-test";
import schema from "../schema";
import { modules } from "../test.setup";
import type { Id } from "../_generated/dataModel";

export function newConvexTest() {
  return convexTest(schema, modules);
}

export type ConvexTestHarness = ReturnType<typeof newConvexTest>;

/** A fresh guest user, and the harness acting as that user (Convex Auth's subject format). */
export async function signInAsNewUser(t: ConvexTestHarness) {
  const userId: Id<"users"> = await t.run((ctx) => ctx.db.insert("users", { isAnonymous: true }));
  const as = t.withIdentity({ subject: `${userId}|session-${userId}`, issuer: "http://test" });
  return { userId, as };
}
