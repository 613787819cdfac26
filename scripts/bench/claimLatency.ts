/**
 * Claim latency: from `completeUpload` returning to the job being PROCESSING (the PROCESSING
 * event's timestamp: the offline backend runs on this machine, so the clocks are one), over N
 * jobs, for
 *   (a) the local worker process (`npm run worker`), woken by its Convex subscription, and
 *   (b) a worker that polls `claim` every 2 s (written here; its processing is a no-op).
 * Jobs run one at a time, each to its end before the next, so a busy worker adds nothing, and
 * each starts after a random pause of up to one polling interval.
 * The (a) worker processes the tiny non-video upload for real: it fails as `not_a_video`.
 *
 *   tsx scripts/bench/claimLatency.ts [--jobs 50] [--poll-ms 2000]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { createWorkerApiClient } from "../../modal/worker/workerApiClient";
import {
  signInAsGuest,
  startLocalStack,
  uploadVideoAsGuest,
  waitForStatus,
  type LocalStack,
} from "../../modal/worker/testing/localStack";
import { startLocalWorkerProcess } from "../../modal/worker/testing/localWorkerProcess";
import { BENCH_FUNCTION_ENV, numberArg, percentile, reportResult, round, sleep } from "./benchSupport";

const JOBS = numberArg("jobs", 50);
const POLL_MS = numberArg("poll-ms", 2000);
const BUDGET_PER_MODE_MS = 300_000;

async function processingAt(guest: ConvexHttpClient, jobId: Id<"video_jobs">): Promise<number> {
  const timeline = (await guest.query(api.jobs.timeline, { jobId })) ?? [];
  const event = timeline.find((e) => e.to === "PROCESSING");
  if (!event) throw new Error(`job ${jobId} has no PROCESSING event`);
  return event.at;
}

/** Uploads jobs one after another and returns each one's completeUpload → PROCESSING delay. */
async function measure(stack: LocalStack, filePath: string, label: string): Promise<number[]> {
  const guest = await signInAsGuest(stack.endpoints.convexUrl);
  const latencies: number[] = [];
  const deadline = Date.now() + BUDGET_PER_MODE_MS;
  for (let i = 0; i < JOBS && Date.now() < deadline; i++) {
    // A random pause first: without it each upload would start in the same phase of the
    // polling worker's cycle (right after the claim that ended the previous job).
    await sleep(Math.random() * POLL_MS);
    const jobId = await uploadVideoAsGuest(guest, filePath);
    const completedAt = Date.now();
    await waitForStatus(guest, jobId, ["READY", "FAILED"], 30_000);
    latencies.push((await processingAt(guest, jobId)) - completedAt);
  }
  console.log(`${label}: ${latencies.length} jobs, p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms`);
  return latencies;
}

/** A worker that asks for a job every `POLL_MS` and completes what it gets at once. */
function startPollingWorker(stack: LocalStack): { stop(): Promise<void> } {
  const workerApi = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
  let running = true;
  const loop = (async () => {
    while (running) {
      const { job } = await workerApi.claim("bench-polling-worker");
      if (job !== null) await workerApi.complete({ jobId: job.jobId, claimToken: job.claimToken });
      await sleep(POLL_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

const summary = (values: number[]) => ({
  jobs: values.length,
  p50Ms: percentile(values, 50),
  p95Ms: percentile(values, 95),
  maxMs: Math.max(...values),
});

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "reeldrop-bench-"));
  const stack = await startLocalStack(BENCH_FUNCTION_ENV);
  try {
    const filePath = path.join(dir, "tiny.mp4");
    await writeFile(filePath, randomBytes(1024));

    const worker = startLocalWorkerProcess(stack);
    let subscribed: number[];
    try {
      await worker.started;
      subscribed = await measure(stack, filePath, "(a) subscription-woken local worker");
    } finally {
      worker.child.kill("SIGTERM");
    }
    await worker.exited;

    const poller = startPollingWorker(stack);
    let polled: number[];
    try {
      polled = await measure(stack, filePath, `(b) worker polling every ${POLL_MS} ms`);
    } finally {
      await poller.stop();
    }

    const a = summary(subscribed);
    const b = summary(polled);
    reportResult("claimLatency", {
      jobsRequested: JOBS,
      subscription: a,
      polling: { ...b, pollMs: POLL_MS },
      p95Ratio: round(b.p95Ms / a.p95Ms, 1),
      targetP95Under1s: a.p95Ms < 1000,
    });
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
