/**
 * The counting harness counts each call that reaches a handler once, however many times the
 * module has been loaded: convex-test loads a module at every call, and its exports are the
 * same objects each time. Before, each load wrapped the handler again (the counter and the
 * limits each took the other's wrapper for a new handler), so the wrappers piled up: the
 * count grew by more than one a call, and the limits checked a call's arguments once per
 * layer (the hostile drill's 1 MiB arguments took 600 ms by its hundredth call).
 */
import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { handlerEntries, newCountingConvexTest } from "./handlerEntries.testing";

test("each call that reaches a handler counts once, however many calls came before", async () => {
  const t = newCountingConvexTest();
  const userId = await t.run((ctx) => ctx.db.insert("users", { isAnonymous: true }));
  const as = t.withIdentity({ subject: `${userId}|session`, issuer: "http://test" });
  const before = handlerEntries("jobs.rightsStatement");
  const counts: number[] = [];
  for (let call = 1; call <= 5; call++) {
    await as.query(api.jobs.rightsStatement, {});
    counts.push(handlerEntries("jobs.rightsStatement") - before);
  }
  expect(counts).toEqual([1, 2, 3, 4, 5]);
});
