// @vitest-environment node
import { describe, expect, test, vi } from "vitest";
import { newConvexTest, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadedJob } from "./testing/jobFixtures.testing";
import { WORKER_ROUTES } from "./lib/workerProtocol";
import { FREE_HAND_BACKS } from "./model/workerClaims";
import { WorkerApiError } from "../modal/worker/workerApiClient";
import { inProcessWorkerClient, useWorkerApiSuite, WORKER_TEST_SECRET } from "./testing/workerApiFixtures.testing";

const SECRET = WORKER_TEST_SECRET;
const { configured, storage } = useWorkerApiSuite();

function post(t: ConvexTestHarness, route: string, body: unknown, secret: string | null = SECRET) {
  return t.fetch(route, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("authentication", () => {
  test.each(Object.values(WORKER_ROUTES))("%s: 500 when no secret is configured", async (route) => {
    vi.stubEnv("WORKER_SECRET", "");
    const response = await post(newConvexTest(), route, {});
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "WORKER_SECRET is not configured on this deployment." });
  });

  test.each(Object.values(WORKER_ROUTES))("%s: 401 when the secret is missing or wrong", async (route) => {
    const t = configured();
    for (const secret of [null, "", "wrong", SECRET.slice(0, -1), `${SECRET}x`]) {
      const response = await post(t, route, {}, secret);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain(SECRET);
    }
  });
});

describe("malformed bodies get 400 with a reason", () => {
  test.each([
    [WORKER_ROUTES.claim, "not json"],
    [WORKER_ROUTES.claim, {}],
    [WORKER_ROUTES.claim, { workerId: 5 }],
    [WORKER_ROUTES.claim, { workerId: "w", extra: true }],
    [WORKER_ROUTES.claim, { workerId: "w", requestId: "" }],
    [WORKER_ROUTES.claim, { workerId: "w", requestId: "../x" }],
    [WORKER_ROUTES.claim, { workerId: "w", requestId: "r".repeat(65) }],
    [WORKER_ROUTES.claim, { workerId: "w", requestId: 5 }],
    [WORKER_ROUTES.heartbeat, { jobId: "abc", claimToken: "t", stage: "x", pct: 101 }],
    [WORKER_ROUTES.heartbeat, { jobId: "ABC/../x", claimToken: "t", stage: "x", pct: 1 }],
    [WORKER_ROUTES.artifacts, { jobId: "abc", claimToken: "t", artifact: { kind: "virus", index: 0, bytes: 1 } }],
    [WORKER_ROUTES.artifacts, { jobId: "abc", claimToken: "t", artifact: { kind: "poster", index: -1, bytes: 1 } }],
    [WORKER_ROUTES.artifactUploadUrls, { jobId: "abc", claimToken: "t", artifacts: [] }],
    [WORKER_ROUTES.fail, { jobId: "abc", claimToken: "t", code: "canceled", message: "x" }],
    [WORKER_ROUTES.complete, { jobId: "abc" }],
    [WORKER_ROUTES.claim, JSON.stringify({ workerId: "x".repeat(70_000) })],
  ])("%s %#", async (route, body) => {
    const response = await post(configured(), route, body);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual(expect.any(String));
  });
});

describe("the claimed job's life through the API", () => {
  test("claim returns a presigned source URL; stale tokens get 409; complete ends it", async () => {
    const t = configured();
    const jobId = await insertUploadedJob(t, { fileSize: 1234, crc32c: "4waSgw==" });
    const claimResponse = await post(t, WORKER_ROUTES.claim, { workerId: "w1" });
    expect(claimResponse.status).toBe(200);
    const { job } = await claimResponse.json();
    expect(job).toMatchObject({ jobId, attempt: 1, leaseSeconds: 120, source: { bytes: 1234 }, sourceCrc32c: "4waSgw==" });
    const sourceUrl = new URL(job.source.url);
    expect(sourceUrl.origin).toBe(storage().endpoint);
    expect(sourceUrl.pathname).toBe(`/${storage().bucket}/sources/${jobId}/source`);
    expect(sourceUrl.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);

    expect((await (await post(t, WORKER_ROUTES.claim, { workerId: "w2" })).json()).job).toBeNull();

    const stale = { jobId, claimToken: "someone-else" };
    for (const [route, body] of [
      [WORKER_ROUTES.heartbeat, { ...stale, stage: "probe", pct: 1 }],
      [WORKER_ROUTES.artifacts, { ...stale, artifact: { kind: "poster", index: 0, bytes: 1 } }],
      [WORKER_ROUTES.artifactUploadUrls, { ...stale, artifacts: [{ kind: "poster", index: 0 }] }],
      [WORKER_ROUTES.complete, stale],
      [WORKER_ROUTES.fail, { ...stale, code: "not_a_video", message: "x" }],
    ] as const) {
      const response = await post(t, route, body);
      expect(response.status, route).toBe(409);
    }
    // An id that names no job (or another table's row) is a stale claim too.
    expect((await post(t, WORKER_ROUTES.complete, { jobId: "nosuchjob", claimToken: job.claimToken })).status).toBe(409);

    const claim = { jobId, claimToken: job.claimToken };
    const beat = await (await post(t, WORKER_ROUTES.heartbeat, { ...claim, stage: "scan", pct: 40 })).json();
    expect(beat).toEqual({ state: "active", leaseExpiresAt: expect.any(Number) });

    const urls = await (
      await post(t, WORKER_ROUTES.artifactUploadUrls, { ...claim, artifacts: [{ kind: "poster", index: 0 }] })
    ).json();
    expect(urls.uploads).toHaveLength(1);
    expect(urls.uploads[0]).toMatchObject({ kind: "poster", index: 0, contentType: "image/jpeg" });
    expect(new URL(urls.uploads[0].url).pathname).toBe(`/${storage().bucket}/artifacts/${jobId}/poster/0.jpg`);
    const put = await fetch(urls.uploads[0].url, { method: "PUT", body: "jpeg", headers: { "content-type": "image/jpeg" } });
    expect(put.status).toBe(200);

    const recorded = await post(t, WORKER_ROUTES.artifacts, { ...claim, artifact: { kind: "poster", index: 0, bytes: 4, width: 640, height: 360 } });
    expect(recorded.status).toBe(200);
    expect((await post(t, WORKER_ROUTES.complete, claim)).status).toBe(200);
    const final = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(final!.status).toBe("READY");
    const rows = await t.run((ctx) => ctx.db.query("video_artifacts").collect());
    expect(rows).toEqual([expect.objectContaining({ kind: "poster", r2Key: `artifacts/${jobId}/poster/0.jpg`, width: 640 })]);
  });

  test("fail with interrupted hands the job back through the route: requeued, claimable at once", async () => {
    const t = configured();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const { job } = await (await post(t, WORKER_ROUTES.claim, { workerId: "w1" })).json();
    const handedBack = await post(t, WORKER_ROUTES.fail, { jobId, claimToken: job.claimToken, code: "interrupted", message: "SIGTERM" });
    expect(handedBack.status).toBe(200);
    expect(await handedBack.json()).toEqual({ outcome: "requeued" });
    const again = (await (await post(t, WORKER_ROUTES.claim, { workerId: "w2" })).json()).job;
    expect(again).toMatchObject({ jobId, attempt: 2 });
  });

  test("info reports the deployment's Convex URL for the worker's subscription", async () => {
    const t = configured();
    vi.stubEnv("CONVEX_CLOUD_URL", "http://127.0.0.1:3210");
    expect(await (await post(t, WORKER_ROUTES.info, {})).json()).toEqual({ convexUrl: "http://127.0.0.1:3210" });
  });
});

describe("a claim that fails after it committed", () => {
  const workerClient = inProcessWorkerClient;

  const allJobs = (t: ConvexTestHarness) => t.run((ctx) => ctx.db.query("video_jobs").collect());

  test("a source URL that cannot be signed: the claim is handed back, not counted, and answered 503 claim_released", async () => {
    vi.stubEnv("WORKER_SECRET", SECRET); // no storage settings: signing the source URL throws
    const t = newConvexTest();
    for (let i = 0; i < 5; i++) await insertUploadedJob(t, { notBefore: Date.now() - 100 + i });

    const error = await workerClient(t).claim("w1").then(() => null, (e: unknown) => e);
    // Four tries claimed four jobs; each went back at once, claimable, with no attempt counted.
    const jobs = await allJobs(t);
    expect(jobs.filter((job) => job.status === "PROCESSING")).toEqual([]);
    expect(error).toBeInstanceOf(WorkerApiError);
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining("claim_released") });
    const claimed = jobs.filter((job) => job.attempt > 0);
    expect(claimed).toHaveLength(4);
    for (const job of claimed) {
      expect(job).toMatchObject({ status: "UPLOADED", handBacks: job.attempt });
      expect(job.claim).toBeUndefined();
      expect(job.failure).toBeUndefined();
      expect(job.notBefore).toBeLessThanOrEqual(Date.now());
    }
    const events = await t.run((ctx) => ctx.db.query("job_events").collect());
    expect(events.filter((e) => e.from === "PROCESSING").map((e) => e.detail)).toEqual(
      Array(4).fill("handed back: the claim could not be sent to the worker"),
    );
  });

  test("claims that can never be sent are free FREE_HAND_BACKS times, then count like a lost worker", async () => {
    vi.stubEnv("WORKER_SECRET", SECRET);
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t);
    let lastClaimAt = 0;
    for (let n = 1; n <= FREE_HAND_BACKS + 1; n++) {
      lastClaimAt = Date.now();
      const response = await post(t, WORKER_ROUTES.claim, { workerId: "w1", requestId: `request-${n}` });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: "claim_released" });
    }
    // The last release counted: the job backs off, so the next claim finds nothing.
    const job = (await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!;
    expect(job).toMatchObject({ status: "UPLOADED", attempt: FREE_HAND_BACKS + 1, handBacks: FREE_HAND_BACKS });
    // The shortest backoff is 7.5 s from when the release ran, which was after `lastClaimAt`.
    expect(job.notBefore! - lastClaimAt).toBeGreaterThanOrEqual(7_500);
    expect(await (await post(t, WORKER_ROUTES.claim, { workerId: "w1", requestId: "request-last" })).json()).toEqual({ job: null });
  });

  test("a claim whose answer was lost on the way is retried with its request id and gets the same job", async () => {
    const t = configured();
    for (let i = 0; i < 3; i++) await insertUploadedJob(t, { notBefore: Date.now() - 100 + i });
    let answersLost = 0;
    const dropFirstAnswer = (async (url: string, init: RequestInit) => {
      const response = await t.fetch(url, init);
      if (answersLost++ === 0) throw new TypeError("fetch failed"); // the claim committed; its answer never arrives
      return response;
    }) as typeof globalThis.fetch;

    const { job } = await workerClient(t, dropFirstAnswer).claim("w1");
    expect(answersLost).toBe(2);
    const processing = (await allJobs(t)).filter((row) => row.status === "PROCESSING");
    expect(processing.map((row) => row._id)).toEqual([job!.jobId]);
    expect(processing[0]!.claim).toMatchObject({ token: job!.claimToken, workerId: "w1" });
  });

  test("the same request id gets the same claim back; another request, or another worker, claims another job", async () => {
    const t = configured();
    for (let i = 0; i < 4; i++) await insertUploadedJob(t, { notBefore: Date.now() - 100 + i });
    const claim = async (body: unknown) => (await (await post(t, WORKER_ROUTES.claim, body)).json()).job;
    const first = await claim({ workerId: "w1", requestId: "r1" });
    expect(await claim({ workerId: "w1", requestId: "r1" })).toMatchObject({ jobId: first.jobId, claimToken: first.claimToken, attempt: 1 });
    expect((await claim({ workerId: "w2", requestId: "r1" })).jobId).not.toBe(first.jobId);
    expect((await claim({ workerId: "w1", requestId: "r2" })).jobId).not.toBe(first.jobId);
    // Once that claim has ended, the id names nothing: a stale retry claims afresh, it does not revive it.
    expect((await post(t, WORKER_ROUTES.complete, { jobId: first.jobId, claimToken: first.claimToken })).status).toBe(200);
    const afresh = await claim({ workerId: "w1", requestId: "r1" });
    expect(afresh.jobId).not.toBe(first.jobId);
    expect(afresh.attempt).toBe(1);
  });
});
