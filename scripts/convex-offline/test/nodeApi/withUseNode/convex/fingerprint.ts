"use node";
// The same module in the Node runtime: a push accepts it.
import { createHash } from "node:crypto";
import { actionGeneric } from "convex/server";

export const fingerprint = actionGeneric({
  args: {},
  handler: async () => createHash("sha256").update("reeldrop").digest("hex"),
});
