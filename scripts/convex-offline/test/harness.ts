/**
 * Shared set-up for the conformance tests: the offline backend on free ports, official
 * clients pointed at it, and bounded waiting.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { WebSocket } from "ws";
import { generateConvexAuthKeys, type ConvexAuthKeys } from "../../dev/convexAuthKeys";
import { silentLogger } from "../log";
import { startOfflineBackend, type OfflineBackend } from "../server";

export const FIXTURE_FUNCTIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixture", "convex");

export type TestBackend = OfflineBackend & { keys: ConvexAuthKeys };

export async function startTestBackend(functionsDir = FIXTURE_FUNCTIONS_DIR): Promise<TestBackend> {
  const keys = await generateConvexAuthKeys();
  const backend = await startOfflineBackend({
    functionsDir,
    port: 0,
    sitePort: 0,
    env: { ...keys, SITE_URL: "http://127.0.0.1:3000", FIXTURE_GREETING: "hello from the env file" },
    log: silentLogger,
  });
  return { ...backend, keys };
}

/** A WebSocket class for the clients that remembers its sockets, so tests can cut them. */
export function trackedWebSocket(): { constructor: typeof globalThis.WebSocket; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(address: string) {
      super(address);
      sockets.push(this);
    }
  }
  return { constructor: TrackedWebSocket as unknown as typeof globalThis.WebSocket, sockets };
}

export function connectClient(backend: OfflineBackend, webSocketConstructor = WebSocket as unknown as typeof globalThis.WebSocket) {
  return new ConvexClient(backend.convexUrl, { webSocketConstructor, logger: false, unsavedChangesWarning: false });
}

export function httpClient(backend: OfflineBackend): ConvexHttpClient {
  return new ConvexHttpClient(backend.convexUrl, { logger: false });
}

/** Resolves with the first value `read` returns that is not undefined; rejects after `timeoutMs`. */
export async function waitFor<T>(read: () => T | undefined, timeoutMs = 5_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
