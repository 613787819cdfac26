/**
 * `tsx scripts/convex-offline/bench/startupAndLatency.ts` — the offline backend's start-up time
 * (fixture app and the project's `convex/`) and the round trip of a query and a mutation over
 * the HTTP API (200 sequential calls each on the fixture), as the README reports them.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { anyApi } from "convex/server";
import { generateConvexAuthKeys } from "../../dev/convexAuthKeys";
import { silentLogger } from "../log";
import { startOfflineBackend, type OfflineBackend } from "../server";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, "..", "test", "fixture", "convex");
const PROJECT = path.resolve(here, "..", "..", "..", "convex");
const CALLS = 200;

async function timedStart(functionsDir: string): Promise<{ backend: OfflineBackend; ms: number }> {
  const keys = await generateConvexAuthKeys();
  const started = performance.now();
  const backend = await startOfflineBackend({
    functionsDir,
    port: 0,
    sitePort: 0,
    env: { ...keys, SITE_URL: "http://127.0.0.1:3000" },
    log: silentLogger,
  });
  return { backend, ms: performance.now() - started };
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(2);
  return `p50 ${at(50)} ms, p95 ${at(95)} ms`;
}

async function measure(call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

const project = await timedStart(PROJECT);
console.log(`start-up, project convex/: ${project.ms.toFixed(0)} ms`);
await project.backend.stop();
const fixture = await timedStart(FIXTURE);
console.log(`start-up, fixture: ${fixture.ms.toFixed(0)} ms`);
const client = new ConvexHttpClient(fixture.backend.convexUrl, { logger: false });
const mutation = await measure(() => client.mutation(anyApi.messages!.send!, { channel: "bench", body: "hello" }));
const query = await measure(() => client.query(anyApi.messages!.count!, { channel: "bench" }));
console.log(`mutation messages:send over HTTP (${CALLS}): ${summary(mutation)}`);
console.log(`query messages:count over HTTP (${CALLS}): ${summary(query)}`);
await fixture.backend.stop();
process.exit(0);
