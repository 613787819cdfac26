// @vitest-environment node
/**
 * Drill (issue 18): the local worker does not poll. Its claim loop and queue subscription
 * (`wakeOnQueue`, what `npm run worker` runs) against the real local stack (offline Convex
 * backend, embedded S3), with every worker HTTP request going through a counting proxy and the
 * worker's timers on a fake clock, so a minute passes at once:
 *
 * - idle with nothing queued, and idle while another worker holds a job's lease, a minute
 *   brings **0** claim calls (the README: nothing polls; the worker wakes when
 *   `workerQueue.nextClaimableAt` says so, and a held lease is due only when it runs out);
 * - woken by an upload, it claims once the subscription's push arrives, within a second
 *   (design: "claims within a second"), and makes exactly 2 claims (the job, then the empty
 *   claim that ends the slot: `claimLoop.ts`).
 *
 * Faults that make it fail (`DRILL_FAULT`): `poll` wakes the loop every 5 s of the fake clock
 * as a polling worker would (12 claims in the idle minute); `drop-push` drops the
 * subscription's pushes after the first (the upload is never claimed).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConvexClient } from "convex/browser";
import { WebSocket } from "ws";
import { api } from "../../convex/_generated/api";
import { WORKER_ROUTES, type ClaimedJob } from "../../convex/lib/workerProtocol";
import { createClaimLoop } from "./claimLoop";
import { wakeOnQueue, type WakeClock, type QueueWakeOptions } from "./queueWake";
import { startCountingProxy, type CountingProxy } from "./testing/countingProxy";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest, type LocalStack } from "./testing/localStack";
import { createWorkerApiClient } from "./workerApiClient";
import type { WorkerLog } from "./workerLog";

/** The most claim calls an idle worker makes in a minute, as documented: none. */
const IDLE_CLAIMS_PER_MINUTE = 0;
const PUSH_TO_CLAIM_LIMIT_MS = 1_000;
const FAULT = process.env.DRILL_FAULT ?? "";

/**
 * Real time plus an offset the test moves forward; timers fire only when the test advances the
 * clock past them (so a minute passes at once, and nothing fires behind the test's back).
 */
function fakeClock(): WakeClock & { advance(ms: number): Promise<void>; rewind(): void } {
  let offset = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const now = () => Date.now() + offset;
  return {
    now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.set(id, { at: now() + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    async advance(ms) {
      const end = now() + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        offset = Math.max(offset, due[1].at - Date.now());
        due[1].callback();
        // Let the claim it may have started reach the proxy before the next timer.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      offset = Math.max(offset, end - Date.now());
    },
    /** Back to the real time of day; timers keep their due times. */
    rewind() {
      offset = 0;
    },
  };
}

const logged: string[] = [];
const silentLog: WorkerLog = {
  info: (event, fields) => void logged.push(`info ${event} ${JSON.stringify(fields ?? {})}`),
  warn: (event, fields) => void logged.push(`warn ${event} ${JSON.stringify(fields ?? {})}`),
};

let stack: LocalStack;
let videos: TestVideoLibrary;
let proxy: CountingProxy;
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [stack, videos] = await Promise.all([startLocalStack(), createTestVideoLibrary()]);
  proxy = await startCountingProxy(stack.endpoints.convexSiteUrl);
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await Promise.all([proxy?.close(), stack?.stop(), videos?.dispose()]);
}, 60_000);

/** A local worker as `npm run worker` assembles it, on a fake clock, its HTTP calls through the proxy. */
function startWorker(clock: ReturnType<typeof fakeClock>) {
  const client = new ConvexClient(stack.endpoints.convexUrl, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: false,
    unsavedChangesWarning: false,
  });
  const api = createWorkerApiClient({ siteUrl: proxy.url, secret: stack.endpoints.workerSecret });
  const shutdown = new AbortController();
  const claimed: Array<{ job: ClaimedJob; at: number }> = [];
  const loop = createClaimLoop({
    api,
    log: silentLog,
    shutdownSignal: shutdown.signal,
    workerId: "drill-worker",
    concurrency: 1,
    ffmpegThreads: 1,
    // The job stays PROCESSING under this worker's lease: the drill is about claims, not FFmpeg.
    processJob: (job) => {
      claimed.push({ job, at: Date.now() });
      return Promise.resolve("ready");
    },
  });
  /** Every push the subscription delivered, with when it arrived (real time). */
  const pushes: Array<{ value: number | null; at: number }> = [];
  const observed: QueueWakeOptions["client"] = {
    onUpdate: ((query, args, callback, onError) =>
      client.onUpdate(
        query,
        args,
        (value: number | null) => {
          pushes.push({ value, at: Date.now() });
          if (FAULT === "drop-push" && pushes.length > 1) return;
          callback(value);
        },
        onError,
      )) as ConvexClient["onUpdate"],
  };
  const unsubscribe = wakeOnQueue({
    client: observed,
    workerSecret: stack.endpoints.workerSecret,
    wake: () => loop.wake(),
    onError: (error) => {
      throw error;
    },
    clock,
  });
  let poller: unknown;
  if (FAULT === "poll") {
    const poll = () => {
      loop.wake();
      poller = clock.setTimeout(poll, 5_000);
    };
    poller = clock.setTimeout(poll, 5_000);
  }
  const stop = async () => {
    unsubscribe();
    clock.clearTimeout(poller);
    loop.stopClaiming();
    shutdown.abort();
    await loop.idle();
    await client.close();
  };
  closers.push(stop);
  return { pushes, claimed, loop, stop };
}

async function until(condition: () => boolean, timeoutMs: number, what: string | (() => Promise<string>)) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === "string" ? what : await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const claims = () => proxy.count(WORKER_ROUTES.claim);

describe("drill worker-no-polling", () => {
  test("idle for 60 s (fake clock) it makes no claim; an upload's push wakes it to claim within a second", { timeout: 60_000 }, async () => {
    const clock = fakeClock();
    const worker = startWorker(clock);
    await until(() => worker.pushes.length > 0, 10_000, "the queue subscription's first answer");
    expect(worker.pushes[0]!.value).toBeNull();

    // 1. Nothing queued, nothing leased: a minute passes.
    const before = claims();
    await clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const idleClaims = claims() - before;
    expect(idleClaims).toBeLessThanOrEqual(IDLE_CLAIMS_PER_MINUTE);

    // 2. An upload: the push announces it and the worker claims it.
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const pushesBefore = worker.pushes.length;
    const claimsBeforeUpload = claims();
    const jobId = await uploadVideoAsGuest(guest, await videos.path("oneSecond"));
    const uploadedAt = Date.now();
    await until(
      () => worker.claimed.length === 1,
      5_000,
      async () =>
        `the worker claiming job ${jobId} (${worker.pushes.length - pushesBefore} pushes since the upload; ` +
        `the job is ${(await guest.query(api.jobs.get, { jobId }))?.status}; ${claims() - claimsBeforeUpload} claims; log: ${logged.join(" | ")})`,
    );
    await worker.loop.idle();
    const push = worker.pushes.slice(pushesBefore).find((p) => p.value !== null)!;
    const claimRequests = proxy.requests().filter((r) => r.path === WORKER_ROUTES.claim).slice(claimsBeforeUpload);
    expect(worker.claimed[0]!.job.jobId).toBe(jobId);
    // The first claim is sent after the push, within a second of it.
    expect(claimRequests[0]!.at).toBeGreaterThanOrEqual(push.at);
    const pushToClaimMs = claimRequests[0]!.at - push.at;
    expect(pushToClaimMs).toBeLessThan(PUSH_TO_CLAIM_LIMIT_MS);
    // One claim that got the job, one that found the queue empty and ended the slot.
    expect(claimRequests).toHaveLength(2);

    // 3. Idle again while this worker's lease runs (due in WORKER_LEASE_SECONDS, 120 s): a minute passes.
    await until(() => worker.pushes.at(-1)!.value !== null && worker.pushes.at(-1)!.value! > Date.now(), 5_000, "the lease's due time pushed");
    // The lease runs out on the server's clock, 120 s after the claim; step 1's minute put this
    // clock a minute ahead of it, so one more minute would reach the lease's end (a claim then is
    // right: a dead worker's job is taken back). Back to the real time first.
    clock.rewind();
    const beforeLeaseMinute = claims();
    await clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const leaseMinuteClaims = claims() - beforeLeaseMinute;
    expect(leaseMinuteClaims).toBeLessThanOrEqual(IDLE_CLAIMS_PER_MINUTE);

    const figures = {
      idleClaimsPerMinute: idleClaims,
      claimsWhileLeaseHeldPerMinute: leaseMinuteClaims,
      claimsForOneUpload: claimRequests.length,
      uploadToPushMs: push.at - uploadedAt,
      pushToClaimMs,
      pushes: worker.pushes.length,
    };
    console.log(`[drill worker-no-polling] ${JSON.stringify(figures)}`);
    console.log(
      `drill worker-no-polling: ${idleClaims} claims idle for 60 s, ${leaseMinuteClaims} while a lease ran 60 s, ` +
        `${claimRequests.length} for one upload, claim ${pushToClaimMs} ms after the push`,
    );
    await worker.stop();
  });
});
