/** The storage settings and upload limits Convex reads, in one place (see `lib/storageConfig.ts`). */
import { functionEnv } from "./functionEnv";
import { appError } from "../lib/appErrors";
import { parseStorageConfig, parseUploadLimits, type StorageConfig, type UploadLimits } from "../lib/storageConfig";

/** Read at call time, so a deployment picks up changed settings without a redeploy. */
export function requireStorageConfig(): StorageConfig {
  const parsed = parseStorageConfig(functionEnv());
  if (!parsed.ok) {
    // Names only: the values may be secrets.
    console.error(`Storage is not configured: ${parsed.problems.join("; ")}.`);
    throw appError("storage_error", "Storage is not configured.");
  }
  return parsed.config;
}

export function uploadLimits(): UploadLimits {
  return parseUploadLimits(functionEnv());
}
