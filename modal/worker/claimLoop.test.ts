import { afterEach, expect, test, vi } from "vitest";
import type { ClaimedJob } from "../../convex/lib/workerProtocol";
import { createClaimLoop, drainLoop } from "./claimLoop";
import type { WorkerApi } from "./workerApiClient";

afterEach(() => {
  vi.useRealTimers();
});

const aJob = (n: number): ClaimedJob => ({
  jobId: `job${n}`,
  claimToken: `token${n}`,
  attempt: 1,
  leaseExpiresAt: 0,
  leaseSeconds: 120,
  maxVideoSeconds: 14_400,
  source: { url: "http://127.0.0.1:9/source", bytes: 1 },
});

test("a drain stops claiming at the end of its claim window and finishes the jobs in hand", async () => {
  vi.useFakeTimers();
  // A queue that never runs dry; each job takes 10 minutes.
  let claims = 0;
  const api = { claim: async () => ({ job: aJob(++claims) }) } as unknown as WorkerApi;
  const processJob = () => new Promise<"ready">((resolve) => setTimeout(() => resolve("ready"), 10 * 60_000));
  const loop = createClaimLoop({
    api,
    log: { info: () => {}, warn: () => {} },
    shutdownSignal: new AbortController().signal,
    workerId: "w1",
    concurrency: 2,
    processJob,
  });
  let finished = false;
  const draining = drainLoop(loop, { claimForMs: 25 * 60_000 }).then((outcomes) => {
    finished = true;
    return outcomes;
  });
  // Claims at 0, 10 and 20 minutes in each slot; the jobs claimed at 20 finish at 30.
  await vi.advanceTimersByTimeAsync(29 * 60_000);
  expect(finished).toBe(false);
  await vi.advanceTimersByTimeAsync(60_000);
  expect(await draining).toEqual(Array(6).fill("ready"));
  expect(claims).toBe(6);
});
