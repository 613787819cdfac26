/**
 * What the benchmarks share: the local stack with jobs created through the real functions,
 * bounded parallel work, percentiles, and one machine-readable result line per benchmark.
 */
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import type { ConvexHttpClient } from "convex/browser";
import type { Id } from "../../convex/_generated/dataModel";
import { signInAsGuest, uploadVideoAsGuest, type LocalStack } from "../../modal/worker/testing/localStack";

export type UploadedJob = { jobId: Id<"video_jobs">; guest: ConvexHttpClient };

/**
 * The function settings every benchmark's stack runs with: one guest starts hundreds of jobs
 * a minute here, which the intake limits (`convex/model/intakeLimits.ts`) exist to refuse.
 */
export const BENCH_FUNCTION_ENV = {
  JOBS_PER_USER_PER_HOUR: "1000000",
  OEMBED_LOOKUPS_PER_MINUTE: "1000000",
} as const;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; stops starting new ones at `deadline`. */
export async function runBounded<T>(
  count: number,
  concurrency: number,
  deadline: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  async function lane() {
    while (next < count && Date.now() < deadline) {
      const index = next++;
      results.push(await task(index));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/**
 * UPLOADED jobs made the way a browser makes them (guest sign-in, intake, rights, multipart
 * upload, completion) of a tiny file: `guests` guests share the work, each owning many jobs.
 */
export async function createUploadedJobs(
  stack: LocalStack,
  { count, concurrency, budgetMs, guests = concurrency }: { count: number; concurrency: number; budgetMs: number; guests?: number },
): Promise<UploadedJob[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "reeldrop-bench-"));
  try {
    const filePath = path.join(dir, "tiny.mp4");
    await writeFile(filePath, randomBytes(1024));
    const clients = await Promise.all(Array.from({ length: guests }, () => signInAsGuest(stack.endpoints.convexUrl)));
    return await runBounded(count, concurrency, Date.now() + budgetMs, async (index) => {
      const guest = clients[index % clients.length]!;
      return { jobId: await uploadVideoAsGuest(guest, filePath), guest };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function machine() {
  const ffmpeg = (() => {
    try {
      return execFileSync(process.env.FFMPEG_PATH ?? "ffmpeg", ["-version"], { encoding: "utf8" }).split("\n")[0]!;
    } catch {
      return "not found";
    }
  })();
  // The load average says how much else shared the machine while the benchmark ran.
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, ffmpeg, loadAverage1m: round(loadavg()[0]!) };
}

/** The line `runAll.ts` collects: `BENCH_RESULT <json>`. */
export function reportResult(name: string, result: Record<string, unknown>): void {
  console.log(`BENCH_RESULT ${JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), ...result })}`);
}

/** `--name value` from the command line, as a number, or the default. */
export function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? Number.NaN : Number(process.argv[index + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
