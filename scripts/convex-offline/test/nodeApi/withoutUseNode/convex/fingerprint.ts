// A default-runtime module (no "use node") that reaches a Node API: a push refuses it.
import { createHash } from "node:crypto";
import { actionGeneric } from "convex/server";

export const fingerprint = actionGeneric({
  args: {},
  handler: async () => createHash("sha256").update("reeldrop").digest("hex"),
});
