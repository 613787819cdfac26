/**
 * The Convex functions' environment that `npm run dev` sets on the backend it starts: what the
 * stack itself decides (storage, the worker secret, the site URL, auth keys) plus the README's
 * function settings found in `.env.local` or the shell. Nothing else reaches the functions,
 * as on a real deployment, where only `npx convex env set` puts variables there.
 */
import { randomBytes } from "node:crypto";
import { loadOrCreatePrivateFile } from "./privateStateFile";

/**
 * The README's function settings passed through when set. Not `MODAL_TOKEN_*`: a local stack
 * must not spawn a cloud worker that cannot reach it; set those with `npx convex env set`.
 */
export const PASSED_THROUGH_SETTINGS = [
  "MAX_UPLOAD_BYTES",
  "UPLOAD_URL_TTL_SECONDS",
  "UPLOAD_ABANDON_HOURS",
  "OEMBED_ENDPOINT",
  "JOBS_PER_USER_PER_HOUR",
  "OEMBED_LOOKUPS_PER_MINUTE",
  "WORKER_LEASE_SECONDS",
  "WORKER_MAX_ATTEMPTS",
  "WORKER_RETRY_BASE_SECONDS",
  "MAX_VIDEO_SECONDS",
  "MAX_CLIP_SECONDS",
  "CLIPS_WAITING_PER_USER",
  "SOURCE_RETENTION_DAYS",
] as const;

export function passedThroughSettings(settings: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PASSED_THROUGH_SETTINGS) {
    const value = settings[name]?.trim();
    if (value) picked[name] = value;
  }
  return picked;
}

/**
 * `WORKER_SECRET` from the settings, else one generated once and kept in `file`: the same on
 * every run, so a worker configured with it (on Modal, or in another terminal) keeps working.
 */
export async function loadOrCreateWorkerSecret(
  settings: Readonly<Record<string, string | undefined>>,
  file: string,
): Promise<string> {
  const configured = settings.WORKER_SECRET?.trim();
  if (configured) return configured;
  return await loadOrCreatePrivateFile(file, () => randomBytes(32).toString("base64url"));
}

/** The few variables a child Node process needs to run; everything else stays in this shell. */
export function minimalProcessEnv(source: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const kept: Record<string, string> = {};
  // NODE_EXTRA_CA_CERTS: behind a TLS-inspecting proxy, R2 and YouTube are reached through it.
  for (const name of ["PATH", "HOME", "TMPDIR", "TMP", "TEMP", "LANG", "TZ", "SYSTEMROOT", "NODE_EXTRA_CA_CERTS"]) {
    const value = source[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
