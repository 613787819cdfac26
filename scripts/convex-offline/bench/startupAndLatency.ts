/**
 * `tsx scripts/convex-offline/bench/startupAndLatency.ts` — the offline backend's start-up time
 * (fixture app and the project's `convex/`) and the round trip of a query and a mutation over
 * the HTTP API (200 sequential calls each on the fixture), as the README reports them: in
 * memory, then with a data folder (each commit journaled and fdatasync'd before the answer; the
 * folder is made in the system's temp folder, or under BENCH_DATA_PARENT), and the start-up that
 * replays what those calls wrote.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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

async function timedStart(functionsDir: string, dataDir?: string): Promise<{ backend: OfflineBackend; ms: number }> {
  const keys = await generateConvexAuthKeys();
  const started = performance.now();
  const backend = await startOfflineBackend({
    functionsDir,
    port: 0,
    sitePort: 0,
    env: { ...keys, SITE_URL: "http://127.0.0.1:3000" },
    ...(dataDir === undefined ? {} : { dataDir }),
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

async function callLatencies(backend: OfflineBackend, label: string): Promise<void> {
  const client = new ConvexHttpClient(backend.convexUrl, { logger: false });
  const mutation = await measure(() => client.mutation(anyApi.messages!.send!, { channel: "bench", body: "hello" }));
  const query = await measure(() => client.query(anyApi.messages!.count!, { channel: "bench" }));
  console.log(`${label}: mutation messages:send over HTTP (${CALLS}): ${summary(mutation)}`);
  console.log(`${label}: query messages:count over HTTP (${CALLS}): ${summary(query)}`);
}

const project = await timedStart(PROJECT);
console.log(`start-up, project convex/: ${project.ms.toFixed(0)} ms`);
await project.backend.stop();
const fixture = await timedStart(FIXTURE);
console.log(`start-up, fixture: ${fixture.ms.toFixed(0)} ms`);
await callLatencies(fixture.backend, "in memory");
await fixture.backend.stop();

const dataDir = mkdtempSync(path.join(process.env.BENCH_DATA_PARENT ?? tmpdir(), "convex-offline-bench-"));
try {
  const durable = await timedStart(FIXTURE, dataDir);
  console.log(`start-up, fixture, empty data folder: ${durable.ms.toFixed(0)} ms`);
  await callLatencies(durable.backend, `data folder ${dataDir}`);
  await durable.backend.stop();
  const restarted = await timedStart(FIXTURE, dataDir);
  console.log(`start-up, fixture, replaying those calls' journal: ${restarted.ms.toFixed(0)} ms`);
  await restarted.backend.stop();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
