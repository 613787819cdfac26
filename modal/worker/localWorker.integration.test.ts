// @vitest-environment node
/**
 * `npm run worker` as a real process against the local stack: woken by its Convex
 * subscription (no polling), and handing its job back when stopped.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { startLocalWorkerProcess, type LocalWorkerProcess } from "./testing/localWorkerProcess";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest, waitForStatus, type LocalStack } from "./testing/localStack";

let stack: LocalStack;
let videos: TestVideoLibrary;
let worker: LocalWorkerProcess | undefined;

beforeAll(async () => {
  [stack, videos] = await Promise.all([startLocalStack(), createTestVideoLibrary()]);
}, 120_000);

afterAll(async () => {
  worker?.child.kill("SIGKILL");
  await Promise.all([stack?.stop(), videos?.dispose()]);
});

describe("npm run worker", { timeout: 180_000 }, () => {
  test("claims an uploaded job through its subscription and finishes it", async () => {
    worker = startLocalWorkerProcess(stack);
    await worker.started;
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const jobId = await uploadVideoAsGuest(guest, await videos.path("oneSecond"));
    const uploadedAt = Date.now();
    await waitForStatus(guest, jobId, ["PROCESSING", "READY"]);
    const claimLatencyMs = Date.now() - uploadedAt;
    // Generous bound for a loaded CI machine; the benchmark measures the real latency.
    expect(claimLatencyMs).toBeLessThan(10_000);
    expect(await waitForStatus(guest, jobId, ["READY"])).toBe("READY");
  });

  test("on SIGTERM it stops claiming and hands the job in hand back for a retry", async () => {
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const jobId = await uploadVideoAsGuest(guest, await videos.path("tenMinutes"));
    await waitForStatus(guest, jobId, ["PROCESSING"]);
    worker!.child.kill("SIGTERM");
    expect((await worker!.exited).code).toBe(0);
    worker = undefined;
    const job = await guest.query(api.jobs.get, { jobId });
    expect(job).toMatchObject({ status: "UPLOADED", attempt: 1 });
    const timeline = (await guest.query(api.jobs.timeline, { jobId }))!;
    expect(timeline.at(-1)).toMatchObject({ from: "PROCESSING", to: "UPLOADED", detail: "handed back by a worker shutting down" });
  });
});
