/** The specs' side of the fault-injecting proxy's control endpoint (see faultyS3Proxy.ts). */
import type { PartPutRecord, ProxyMode, ProxyStats } from "./faultyS3Proxy";

function controlUrl(path: string): string {
  const base = process.env.E2E_S3_PROXY_CONTROL;
  if (!base) throw new Error("E2E_S3_PROXY_CONTROL is not set: run the specs through playwright.config.ts");
  return base + path;
}

async function send(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(controlUrl(path), {
    method: body === undefined && path === "/stats" ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`proxy control ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export const setProxyMode = async (mode: ProxyMode): Promise<void> => void (await send("/mode", mode));
export const resetProxy = async (): Promise<void> => void (await send("/reset", {}));
export const proxyStats = async (): Promise<ProxyStats> => (await send("/stats")) as ProxyStats;

/** How many times each part was PUT (any outcome). */
export function putsPerPart(records: readonly PartPutRecord[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { partNumber } of records) counts.set(partNumber, (counts.get(partNumber) ?? 0) + 1);
  return counts;
}

/** Part numbers storage answered 2xx for, as far as the browser could know. */
export function storedParts(records: readonly PartPutRecord[]): Set<number> {
  return new Set(
    records
      .filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300)
      .map((r) => r.partNumber),
  );
}

/**
 * Makes storage unreachable for `durationMs` (the proxy stops listening and resets every
 * connection, as a stopped server does); resolves once it is down. `waitForStorageBack` waits
 * for the end.
 */
export const stopStorageFor = async (durationMs: number): Promise<void> => setProxyMode({ mode: "outage", durationMs });

export async function waitForStorageBack(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await proxyStats()).unreachable) {
    if (Date.now() > deadline) throw new Error(`storage was still unreachable after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
