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
  /** `captions`: a captions task became claimable, which only the GPU drain serves. */
  args: { drain: v.optional(v.literal("captions")) },
  returns: v.union(v.literal("spawned"), v.literal("not_configured"), v.literal("failed")),
  handler: async (_ctx, { drain }) => {
    const configured = readModalSettings(functionEnv());
    if (configured === null) return "not_configured" as const;
    const settings = drain === "captions" ? { ...configured, functionName: configured.captionsFunctionName } : configured;
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
