"use node";
/**
 * Scheduled whenever a job becomes claimable (upload finished, or a retry's backoff ends).
 * With Modal credentials it spawns the Modal `drain` function; without them it does nothing —
 * the local worker is already woken by its subscription to `workerQueue.nextClaimableAt`.
 */
import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { functionEnv } from "./model/functionEnv";
import { describeSpawnError, readModalSettings, spawnModalDrain } from "./model/modalDrainSpawner";

export const wakeWorker = internalAction({
  args: {},
  returns: v.union(v.literal("spawned"), v.literal("not_configured"), v.literal("failed")),
  handler: async () => {
    const settings = readModalSettings(functionEnv());
    if (settings === null) return "not_configured" as const;
    try {
      await spawnModalDrain(settings);
      return "spawned" as const;
    } catch (error) {
      // The scheduled sweep on Modal picks the job up anyway; say why the wake failed, without secrets.
      console.warn(
        `Could not wake the Modal worker ${settings.appName}/${settings.functionName}: ${describeSpawnError(error, settings)}`,
      );
      return "failed" as const;
    }
  },
});
