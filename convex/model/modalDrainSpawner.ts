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
  environment?: string;
};

export const MODAL_DEFAULTS = { appName: "reeldrop-worker", functionName: "drain" } as const;

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
    ...(environment ? { environment } : {}),
  };
}

export async function spawnModalDrain(settings: ModalSettings): Promise<void> {
  const modal = new ModalClient({
    tokenId: settings.tokenId,
    tokenSecret: settings.tokenSecret,
    ...(settings.environment ? { environment: settings.environment } : {}),
  });
  try {
    const drain = await modal.functions.fromName(settings.appName, settings.functionName);
    await drain.spawn([]);
  } finally {
    modal.close();
  }
}
