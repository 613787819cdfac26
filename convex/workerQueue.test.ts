import { afterEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { FAIR_CLAIM_WINDOW, FREE_HAND_BACKS } from "./model/workerClaims";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadedJob } from "./testing/jobFixtures.testing";

async function codeOf(promise: Promise<unknown>) {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string }>).data.code;
}

const job = (t: ConvexTestHarness, jobId: Id<"video_jobs">) => t.run((ctx) => ctx.db.get("video_jobs", jobId));

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe("claimJob", () => {
  test("claims the oldest claimable job, skips ones still backing off, and returns null when empty", async () => {
    const t = newConvexTest();
    const now = Date.now();
    const later = await insertUploadedJob(t, { notBefore: now + 60_000 });
    const older = await insertUploadedJob(t, { notBefore: now - 2_000 });
    const newer = await insertUploadedJob(t, { notBefore: now - 1_000 });

    const first = await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    const second = await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    const third = await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    expect([first?.jobId, second?.jobId, third]).toEqual([older, newer, null]);
    expect(first).toMatchObject({ attempt: 1, sourceKey: `sources/${older}/source`, sourceBytes: 1000 });
    expect((await job(t, older))!.status).toBe("PROCESSING");
    expect((await job(t, later))!.status).toBe("UPLOADED");
  });

  test("one owner's queue does not hold another's job back while theirs is in processing", async () => {
    const t = newConvexTest();
    const now = Date.now();
    const { userId: alice } = await signInAsNewUser(t);
    const { userId: bob } = await signInAsNewUser(t);
    const alices = [];
    for (let i = 0; i < 5; i++) alices.push(await insertUploadedJob(t, { ownerId: alice, notBefore: now - 10_000 + i }));
    const bobs = await insertUploadedJob(t, { ownerId: bob, notBefore: now - 1_000 });

    const claimed = [];
    for (let i = 0; i < 6; i++) claimed.push((await t.mutation(internal.workerQueue.claimJob, { workerId: `w${i}` }))?.jobId);
    // Alice's oldest first (nobody's job was in processing), then Bob's, then the rest of
    // Alice's in order: with only her jobs left, the oldest is claimed although she is busy.
    expect(claimed).toEqual([alices[0], bobs, ...alices.slice(1)]);
  });

  test(`looks only ${FAIR_CLAIM_WINDOW} jobs deep for an owner with nothing in processing`, async () => {
    const t = newConvexTest();
    const now = Date.now();
    const { userId: alice } = await signInAsNewUser(t);
    for (let i = 0; i <= FAIR_CLAIM_WINDOW; i++) await insertUploadedJob(t, { ownerId: alice, notBefore: now - 100_000 + i });
    const bobs = await insertUploadedJob(t, { notBefore: now - 1 });
    const first = await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    const second = await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" });
    expect((await job(t, first!.jobId))!.ownerId).toBe(alice);
    // Bob's job is past the window: the oldest is claimed.
    expect((await job(t, second!.jobId))!.ownerId).toBe(alice);
    expect((await job(t, bobs))!.status).toBe("UPLOADED");
  });

  test("8 workers racing over 50 jobs: every job claimed exactly once", async () => {
    const t = newConvexTest();
    const jobIds = new Set<string>();
    for (let i = 0; i < 50; i++) jobIds.add(await insertUploadedJob(t, { notBefore: Date.now() - 1000 }));
    const claimedBy = new Map<string, string>();
    const duplicates: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const claimed = await t.mutation(internal.workerQueue.claimJob, { workerId: `w${w}` });
          if (claimed === null) return;
          if (claimedBy.has(claimed.jobId)) duplicates.push(claimed.jobId);
          claimedBy.set(claimed.jobId, `w${w}`);
        }
      }),
    );
    expect(duplicates).toEqual([]);
    expect(new Set(claimedBy.keys())).toEqual(jobIds);
    const events = await t.run((ctx) => ctx.db.query("job_events").collect());
    expect(events.filter((e) => e.to === "PROCESSING")).toHaveLength(50);
  });
});

describe("fencing", () => {
  test("a stale token can neither heartbeat, record, complete nor fail", async () => {
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" }))!;
    const stale = { jobId, claimToken: "not-the-token" };
    expect(await codeOf(t.mutation(internal.workerQueue.heartbeat, { ...stale, stage: "x", pct: 1 }))).toBe("stale_claim");
    expect(
      await codeOf(
        t.mutation(internal.workerQueue.recordArtifact, {
          ...stale,
          artifact: { kind: "poster", index: 0, bytes: 1 },
        }),
      ),
    ).toBe("stale_claim");
    expect(await codeOf(t.mutation(internal.workerQueue.completeJob, stale))).toBe("stale_claim");
    expect(
      await codeOf(t.mutation(internal.workerQueue.failClaimedJob, { ...stale, code: "not_a_video", message: "m" })),
    ).toBe("stale_claim");
    expect((await job(t, jobId))!.status).toBe("PROCESSING");
    expect(await t.run((ctx) => ctx.db.query("video_artifacts").collect())).toEqual([]);

    const beat = await t.mutation(internal.workerQueue.heartbeat, {
      jobId,
      claimToken: claimed.claimToken,
      stage: "probe",
      pct: 5,
    });
    expect(beat.state).toBe("active");
  });

  test("after its lease expires and the job is requeued, the first worker's token is refused", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const first = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" }))!;
    vi.advanceTimersByTime(121_000);
    expect(await t.mutation(internal.workerQueue.sweepExpiredLeases, {})).toBe(1);
    const requeued = (await job(t, jobId))!;
    expect(requeued.status).toBe("UPLOADED");
    expect(requeued.notBefore! - Date.now()).toBeGreaterThanOrEqual(7_500);
    // The Modal worker is woken when the backoff ends, not before.
    const wakes = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(wakes.filter((wake) => wake.name.includes("wakeWorker")).map((wake) => wake.scheduledTime)).toContain(
      requeued.notBefore,
    );

    vi.advanceTimersByTime(60_000);
    const second = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" }))!;
    expect(second.attempt).toBe(2);
    expect(
      await codeOf(t.mutation(internal.workerQueue.completeJob, { jobId, claimToken: first.claimToken })),
    ).toBe("stale_claim");
    await t.mutation(internal.workerQueue.completeJob, { jobId, claimToken: second.claimToken });
    expect((await job(t, jobId))!.status).toBe("READY");
  });
});

describe("taking back a lost worker's job", () => {
  const events = (t: ConvexTestHarness, jobId: Id<"video_jobs">) =>
    t.run(async (ctx) =>
      (await ctx.db.query("job_events").withIndex("by_job", (q) => q.eq("jobId", jobId)).collect()).map(
        ({ from, to, actor, detail }) => ({ from, to, actor, detail }),
      ),
    );

  test("a claim releases an expired lease at once, without the sweep, and the job is claimed again after its backoff", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const first = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" }))!;

    // Still leased: another worker's claim leaves it alone and the first worker keeps it.
    vi.advanceTimersByTime(119_000);
    expect(await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" })).toBeNull();
    expect((await job(t, jobId))!.claim?.token).toBe(first.claimToken);

    // w1 died: once its lease ends, the next claim puts the job back, backing off like the sweep.
    vi.advanceTimersByTime(2_000);
    expect(await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" })).toBeNull();
    const released = (await job(t, jobId))!;
    expect(released).toMatchObject({ status: "UPLOADED", attempt: 1 });
    expect(released.claim).toBeUndefined();
    expect(released.notBefore! - Date.now()).toBeGreaterThanOrEqual(7_500);
    expect(released.notBefore! - Date.now()).toBeLessThanOrEqual(15_000);
    vi.stubEnv("WORKER_SECRET", "s3cret-value");
    expect(await t.query(api.workerQueue.nextClaimableAt, { workerSecret: "s3cret-value" })).toBe(released.notBefore);

    vi.advanceTimersByTime(15_000);
    const second = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" }))!;
    expect(second).toMatchObject({ jobId, attempt: 2 });
    expect(
      await codeOf(t.mutation(internal.workerQueue.recordArtifact, {
        jobId,
        claimToken: first.claimToken,
        artifact: { kind: "poster", index: 0, bytes: 1 },
      })),
    ).toBe("stale_claim");
    await t.mutation(internal.workerQueue.completeJob, { jobId, claimToken: second.claimToken });
    expect((await events(t, jobId)).slice(-4)).toEqual([
      { from: "UPLOADED", to: "PROCESSING", actor: "worker", detail: "attempt 1" },
      { from: "PROCESSING", to: "UPLOADED", actor: "system", detail: "retry after worker_lost" },
      { from: "UPLOADED", to: "PROCESSING", actor: "worker", detail: "attempt 2" },
      { from: "PROCESSING", to: "READY", actor: "worker", detail: undefined },
    ]);
    // The cron finds nothing left to do.
    expect(await t.mutation(internal.workerQueue.sweepExpiredLeases, {})).toBe(0);
  });

  test("a claim releases a lost job and claims another one that is ready, in one transaction", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const lost = await insertUploadedJob(t, { notBefore: Date.now() - 2 });
    await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    vi.advanceTimersByTime(121_000);
    const waiting = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimed = await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" });
    expect(claimed).toMatchObject({ jobId: waiting, attempt: 1 });
    expect((await job(t, lost))!.status).toBe("UPLOADED");
  });

  test("after the last attempt, a claim that finds the lease expired fails the job as worker_lost", async () => {
    vi.useFakeTimers();
    vi.stubEnv("WORKER_MAX_ATTEMPTS", "1");
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" });
    vi.advanceTimersByTime(121_000);
    expect(await t.mutation(internal.workerQueue.claimJob, { workerId: "w2" })).toBeNull();
    expect((await job(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "worker_lost" } });
    expect((await events(t, jobId)).at(-1)).toMatchObject({ from: "PROCESSING", to: "FAILED", actor: "system" });
  });

  test("claims after many lost leases release each job once, a few per claim (convex-test runs them one at a time)", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobIds: Id<"video_jobs">[] = [];
    for (let i = 0; i < 8; i++) jobIds.push(await insertUploadedJob(t, { notBefore: Date.now() - 1 }));
    for (let i = 0; i < 8; i++) await t.mutation(internal.workerQueue.claimJob, { workerId: "dead" });
    vi.advanceTimersByTime(121_000);
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, w) => t.mutation(internal.workerQueue.claimJob, { workerId: `w${w}` })),
    );
    expect(claims).toEqual(Array(6).fill(null));
    for (const jobId of jobIds) {
      expect((await job(t, jobId))!).toMatchObject({ status: "UPLOADED", attempt: 1 });
      expect((await events(t, jobId)).filter((e) => e.to === "UPLOADED" && e.from === "PROCESSING")).toHaveLength(1);
    }
  });
});

describe("retries and failures", () => {
  test("lost leases requeue with growing backoff, then fail with worker_lost", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      vi.advanceTimersByTime(10 * 60_000);
      const claimed = await t.mutation(internal.workerQueue.claimJob, { workerId: "w" });
      expect(claimed?.attempt).toBe(attempt);
      vi.advanceTimersByTime(121_000);
      await t.mutation(internal.workerQueue.sweepExpiredLeases, {});
      const after = (await job(t, jobId))!;
      if (after.status === "UPLOADED") delays.push(after.notBefore! - Date.now());
    }
    const final = (await job(t, jobId))!;
    expect(final.status).toBe("FAILED");
    expect(final.failure).toMatchObject({ code: "worker_lost", retryable: true });
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(7_500);
    expect(delays[0]).toBeLessThanOrEqual(15_000);
    expect(delays[1]).toBeGreaterThanOrEqual(15_000);
    expect(delays[1]).toBeLessThanOrEqual(30_000);
  });

  test("a worker shutting down hands its job back: claimable at once and not an attempt, FREE_HAND_BACKS times", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimAndFail = async (code: "interrupted" | "processing_error") => {
      const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w" }))!;
      expect(claimed.jobId).toBe(jobId);
      return await t.mutation(internal.workerQueue.failClaimedJob, { jobId, claimToken: claimed.claimToken, code, message: "stopping" });
    };
    // More hand-backs than WORKER_MAX_ATTEMPTS (3), each claimable again without waiting.
    for (let n = 1; n <= FREE_HAND_BACKS; n++) {
      expect(await claimAndFail("interrupted")).toBe("requeued");
      const after = (await job(t, jobId))!;
      expect(after).toMatchObject({ status: "UPLOADED", attempt: n, handBacks: n });
      expect(after.failure).toBeUndefined();
      expect(after.notBefore).toBeLessThanOrEqual(Date.now());
    }
    const timeline = await t.run((ctx) => ctx.db.query("job_events").withIndex("by_job", (q) => q.eq("jobId", jobId)).collect());
    expect(timeline.at(-1)).toMatchObject({ from: "PROCESSING", to: "UPLOADED", detail: "handed back by a worker shutting down" });
    // Each hand-back wakes the workers (on Modal: spawns a drain) for the job now claimable.
    const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    const wakes = scheduled.filter((call) => call.name.includes("wakeWorker") && call.scheduledTime <= Date.now());
    expect(wakes.length).toBeGreaterThanOrEqual(FREE_HAND_BACKS);
    // Past the free ones a hand-back counts like a lost worker: a backoff, and an attempt.
    expect(await claimAndFail("interrupted")).toBe("requeued");
    const counted = (await job(t, jobId))!;
    expect(counted.notBefore! - Date.now()).toBeGreaterThanOrEqual(7_500);
    // Two more counted attempts (3 in all) end it.
    vi.advanceTimersByTime(10 * 60_000);
    expect(await claimAndFail("processing_error")).toBe("requeued");
    vi.advanceTimersByTime(10 * 60_000);
    expect(await claimAndFail("processing_error")).toBe("failed");
    expect((await job(t, jobId))!).toMatchObject({ status: "FAILED", attempt: FREE_HAND_BACKS + 3 });
  });

  test("a hand-back after the claim's lease ran out counts like a lost worker", async () => {
    vi.useFakeTimers();
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w" }))!;
    vi.advanceTimersByTime(121_000); // past the 120 s lease, before any sweep
    expect(
      await t.mutation(internal.workerQueue.failClaimedJob, { jobId, claimToken: claimed.claimToken, code: "interrupted", message: "stopping" }),
    ).toBe("requeued");
    const after = (await job(t, jobId))!;
    expect(after.handBacks).toBeUndefined();
    expect(after.notBefore! - Date.now()).toBeGreaterThanOrEqual(7_500);
  });

  test("a permanent failure ends the job at once; a retryable one requeues it", async () => {
    const t = newConvexTest();
    const permanent = await insertUploadedJob(t, { notBefore: Date.now() - 2 });
    const retryable = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const a = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w" }))!;
    const b = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w" }))!;
    expect(a.jobId).toBe(permanent);
    expect(
      await t.mutation(internal.workerQueue.failClaimedJob, {
        jobId: permanent,
        claimToken: a.claimToken,
        code: "not_a_video",
        message: "ffprobe found no video stream",
      }),
    ).toBe("failed");
    expect((await job(t, permanent))!.failure).toEqual({
      code: "not_a_video",
      message: "ffprobe found no video stream",
      retryable: false,
    });
    expect(
      await t.mutation(internal.workerQueue.failClaimedJob, {
        jobId: retryable,
        claimToken: b.claimToken,
        code: "processing_error",
        message: "ffmpeg crashed",
      }),
    ).toBe("requeued");
    expect((await job(t, retryable))!.status).toBe("UPLOADED");
  });
});

describe("artifacts", () => {
  test("recording the same (kind, index) twice keeps one row with the latest facts", async () => {
    const t = newConvexTest();
    const jobId = await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w" }))!;
    const artifact = { kind: "thumbnail" as const, index: 2, bytes: 10 };
    const id1 = await t.mutation(internal.workerQueue.recordArtifact, { jobId, claimToken: claimed.claimToken, artifact });
    const id2 = await t.mutation(internal.workerQueue.recordArtifact, {
      jobId,
      claimToken: claimed.claimToken,
      artifact: { ...artifact, bytes: 20 },
    });
    expect(id2).toBe(id1);
    const rows = await t.run((ctx) => ctx.db.query("video_artifacts").collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ bytes: 20, r2Key: `artifacts/${jobId}/thumbnail/2.jpg`, contentType: "image/jpeg" });
  });
});

describe("nextClaimableAt", () => {
  test("needs the worker secret, and reports the earliest queued job", async () => {
    const t = newConvexTest();
    expect(await codeOf(t.query(api.workerQueue.nextClaimableAt, { workerSecret: "" }))).toBe("unauthenticated");
    vi.stubEnv("WORKER_SECRET", "s3cret-value");
    expect(await codeOf(t.query(api.workerQueue.nextClaimableAt, { workerSecret: "wrong" }))).toBe("unauthenticated");
    expect(await t.query(api.workerQueue.nextClaimableAt, { workerSecret: "s3cret-value" })).toBeNull();
    await insertUploadedJob(t, { notBefore: 5_000 });
    await insertUploadedJob(t, { notBefore: 3_000 });
    expect(await t.query(api.workerQueue.nextClaimableAt, { workerSecret: "s3cret-value" })).toBe(3_000);
  });

  test("reports the earliest lease expiry when it comes before every queued job", async () => {
    vi.useFakeTimers();
    vi.stubEnv("WORKER_SECRET", "s3cret-value");
    const t = newConvexTest();
    await insertUploadedJob(t, { notBefore: Date.now() - 1 });
    const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" }))!;
    const next = () => t.query(api.workerQueue.nextClaimableAt, { workerSecret: "s3cret-value" });
    expect(await next()).toBe(claimed.leaseExpiresAt);
    await insertUploadedJob(t, { notBefore: Date.now() + 5_000 });
    expect(await next()).toBe(Date.now() + 5_000);
    vi.advanceTimersByTime(10_000);
    const beat = await t.mutation(internal.workerQueue.heartbeat, {
      jobId: claimed.jobId,
      claimToken: claimed.claimToken,
      stage: "scan",
      pct: 50,
    });
    expect(beat.state).toBe("active");
    expect(await next()).toBe(Date.now() - 5_000);
  });
});
