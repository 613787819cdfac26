/** The shared secret that authenticates the worker. Never logged, never returned. */
import { functionEnv } from "./functionEnv";
import { constantTimeEqual } from "../lib/constantTimeEqual";

export function workerSecretConfigured(): boolean {
  return (functionEnv().WORKER_SECRET ?? "").length > 0;
}

/** False when no secret is configured, so an unset secret can never be matched. */
export async function isWorkerSecret(candidate: string): Promise<boolean> {
  const secret = functionEnv().WORKER_SECRET ?? "";
  if (secret.length === 0) return false;
  return await constantTimeEqual(candidate, secret);
}
