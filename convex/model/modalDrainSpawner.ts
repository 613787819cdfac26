"use node";
/**
 * Wakes the Modal worker: spawns its `drain` function with the `modal` npm SDK. Node-only
 * (the SDK speaks gRPC). Does nothing without Modal credentials, so local stacks and tests
 * rely on the local worker's subscription instead.
 */
import { ModalClient } from "modal";

export type ModalSettings = {
  tokenId: string;
  tokenSecret: string;
  appName: string;
  functionName: string;
  /** The GPU drain that serves captions tasks only (`modal/app.py`'s `captions_drain`). */
  captionsFunctionName: string;
  environment?: string;
};

export const MODAL_DEFAULTS = { appName: "reeldrop-worker", functionName: "drain", captionsFunctionName: "captions_drain" } as const;

export function readModalSettings(source: Readonly<Record<string, string | undefined>>): ModalSettings | null {
  const tokenId = source.MODAL_TOKEN_ID?.trim();
  const tokenSecret = source.MODAL_TOKEN_SECRET?.trim();
  if (!tokenId || !tokenSecret) return null;
  const environment = source.MODAL_ENVIRONMENT?.trim();
  return {
    tokenId,
    tokenSecret,
    appName: source.MODAL_APP_NAME?.trim() || MODAL_DEFAULTS.appName,
    functionName: source.MODAL_FUNCTION_NAME?.trim() || MODAL_DEFAULTS.functionName,
    captionsFunctionName: source.MODAL_CAPTIONS_FUNCTION_NAME?.trim() || MODAL_DEFAULTS.captionsFunctionName,
    ...(environment ? { environment } : {}),
  };
}

/** Longer than a healthy spawn takes (about a second), short enough not to hold the action. */
export const SPAWN_TIMEOUT_MS = 20_000;

/** Spawns the drain function; rejects when Modal refuses, or does not answer within `timeoutMs`. */
export async function spawnModalDrain(settings: Omit<ModalSettings, "captionsFunctionName">, timeoutMs = SPAWN_TIMEOUT_MS): Promise<void> {
  const modal = new ModalClient({
    tokenId: settings.tokenId,
    tokenSecret: settings.tokenSecret,
    ...(settings.environment ? { environment: settings.environment } : {}),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Modal did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        const drain = await modal.functions.fromName(settings.appName, settings.functionName);
        await drain.spawn([]);
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    modal.close();
  }
}

/** The error's message with the Modal token's id and secret blanked out, for logs. */
export function describeSpawnError(error: unknown, settings: ModalSettings): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return [settings.tokenSecret, settings.tokenId].reduce((text, secret) => text.split(secret).join("[redacted]"), message);
}
