// @vitest-environment node
/**
 * Clips on demand through the public functions (`clips.*`) and the worker's HTTP API, as the
 * worker's own client speaks it: requests and their refusals, the task's lifecycle through a
 * claim, heartbeat, artifacts and completion, fencing, the reaper, and source retention.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadedJob } from "./testing/jobFixtures.testing";
import { insertReadyJob, LANDSCAPE_MEDIA } from "./testing/taskFixtures.testing";
import { codeOf } from "./testing/uploadFixtures.testing";
import { inProcessWorkerClient, useWorkerApiSuite, WORKER_TEST_SECRET } from "./testing/workerApiFixtures.testing";
import { StaleClaimError, WorkerApiError } from "../modal/worker/workerApiClient";
import { CLIP_DEFAULTS } from "./model/clipConfig";

const { configured } = useWorkerApiSuite();
const workerClient = inProcessWorkerClient;
afterEach(() => {
  vi.useRealTimers();
});

/** Everything a refused request could have changed. */
const snapshot = (t: ConvexTestHarness) =>
  t.run(async (ctx) => ({
    tasks: await ctx.db.query("tasks").collect(),
    events: await ctx.db.query("task_events").collect(),
    jobs: await ctx.db.query("video_jobs").collect(),
    scheduled: (await ctx.db.system.query("_scheduled_functions").collect()).length,
  }));

describe("requestClip", () => {
  test("queues a clip of a READY job, lists it live, and a second request for the same clip returns it", async () => {
    const t = configured();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertReadyJob(t, { ownerId: userId });
    const { clipId } = await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3.5, aspect: "9:16" });
    expect(await as.mutation(api.clips.requestClip, { jobId, startSec: 1.0001, endSec: 3.5, aspect: "9:16" })).toEqual({ clipId });
    const other = await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3.5, aspect: "1:1" });
    expect(other.clipId).not.toBe(clipId);

    expect(await as.query(api.clips.listForJob, { jobId })).toMatchObject([
      { _id: clipId, status: "QUEUED", startSec: 1, endSec: 3.5, aspect: "9:16", number: 1 },
      { _id: other.clipId, status: "QUEUED", aspect: "1:1", number: 2 },
    ]);
    const { jobs, events } = await snapshot(t);
    expect(jobs[0]!.status).toBe("READY");
    expect(events.filter((event) => event.taskId === clipId)).toMatchObject([{ from: null, to: "QUEUED", actor: "user" }]);
  });

  describe("hostile requests are refused with a code and change nothing", () => {
    test.each([
      ["past the end", { startSec: 5, endSec: 6.5 }, "invalid_clip_range"],
      ["negative start", { startSec: -1, endSec: 2 }, "invalid_clip_range"],
      ["NaN", { startSec: Number.NaN, endSec: 2 }, "invalid_clip_range"],
      ["Infinity", { startSec: 0, endSec: Number.POSITIVE_INFINITY }, "invalid_clip_range"],
      ["-Infinity", { startSec: Number.NEGATIVE_INFINITY, endSec: 2 }, "invalid_clip_range"],
      ["end before start", { startSec: 3, endSec: 2 }, "invalid_clip_range"],
      ["shorter than a second", { startSec: 1, endSec: 1.9 }, "invalid_clip_range"],
    ])("%s", async (_name, range, code) => {
      const t = configured();
      const { userId, as } = await signInAsNewUser(t);
      const jobId = await insertReadyJob(t, { ownerId: userId });
      const before = await snapshot(t);
      expect(await codeOf(as.mutation(api.clips.requestClip, { jobId, ...range, aspect: "9:16" }))).toBe(code);
      expect(await snapshot(t)).toEqual(before);
    });

    test("longer than MAX_CLIP_SECONDS", async () => {
      const t = configured();
      vi.stubEnv("MAX_CLIP_SECONDS", "2");
      const { userId, as } = await signInAsNewUser(t);
      const jobId = await insertReadyJob(t, { ownerId: userId });
      const before = await snapshot(t);
      expect(await codeOf(as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2.5, aspect: "original" }))).toBe(
        "invalid_clip_range",
      );
      expect(await snapshot(t)).toEqual(before);
      // Exactly the limit is allowed.
      await as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "original" });
    });

    test("another user's job reads as not found, and its clips are not listed", async () => {
      const t = configured();
      const alice = await signInAsNewUser(t);
      const bob = await signInAsNewUser(t);
      const jobId = await insertReadyJob(t, { ownerId: alice.userId });
      await alice.as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "1:1" });
      const before = await snapshot(t);
      expect(await codeOf(bob.as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "1:1" }))).toBe("not_found");
      expect(await bob.as.query(api.clips.listForJob, { jobId })).toBeNull();
      expect(await codeOf(bob.as.action(api.clips.getSourcePlaybackUrl, { jobId }))).toBe("not_found");
      expect(await snapshot(t)).toEqual(before);
    });

    test("a job that is not READY", async () => {
      const t = configured();
      const { userId, as } = await signInAsNewUser(t);
      const jobId = await insertUploadedJob(t, { ownerId: userId });
      const before = await snapshot(t);
      expect(await codeOf(as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "9:16" }))).toBe("invalid_state");
      expect(await snapshot(t)).toEqual(before);
    });

    test(`a burst past the per-user cap (${CLIP_DEFAULTS.clipsWaitingPerUser} waiting)`, async () => {
      const t = configured();
      const { userId, as } = await signInAsNewUser(t);
      const jobs = [await insertReadyJob(t, { ownerId: userId }), await insertReadyJob(t, { ownerId: userId })];
      const results = await Promise.allSettled(
        Array.from({ length: CLIP_DEFAULTS.clipsWaitingPerUser + 3 }, (_, i) =>
          as.mutation(api.clips.requestClip, { jobId: jobs[i % 2]!, startSec: i * 0.5, endSec: i * 0.5 + 1, aspect: "9:16" }),
        ),
      );
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(CLIP_DEFAULTS.clipsWaitingPerUser);
      const before = await snapshot(t);
      expect(await codeOf(as.mutation(api.clips.requestClip, { jobId: jobs[0]!, startSec: 4, endSec: 5, aspect: "1:1" }))).toBe(
        "too_many_clips",
      );
      expect(await snapshot(t)).toEqual(before);
      expect(before.tasks).toHaveLength(CLIP_DEFAULTS.clipsWaitingPerUser);
      // Someone else is not held back by it.
      const other = await signInAsNewUser(t);
      const theirs = await insertReadyJob(t, { ownerId: other.userId });
      await other.as.mutation(api.clips.requestClip, { jobId: theirs, startSec: 0, endSec: 1, aspect: "9:16" });
    });
  });
});

describe("a clip's life through the worker API", () => {
  test("claimed only by a worker serving clips; rendering with progress; READY with its artifact; the job stays READY", async () => {
    const t = configured();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertReadyJob(t, { ownerId: userId });
    const { clipId } = await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3.5, aspect: "9:16" });
    const worker = workerClient(t);

    // A worker from before tasks (no kinds) and one serving jobs only do not get it.
    expect(await worker.claim("old")).toEqual({ job: null });
    expect(await worker.claim("jobs-only", ["process"])).toEqual({ job: null, task: null });
    expect(await t.query(api.workerQueue.nextClaimableAt, { workerSecret: WORKER_TEST_SECRET })).toBeNull();
    expect(await t.query(api.workerQueue.nextClaimableAt, { workerSecret: WORKER_TEST_SECRET, kinds: ["clip"] })).toEqual(expect.any(Number));

    const { job, task } = await worker.claim("w1", ["process", "clip"]);
    expect(job).toBeNull();
    expect(task).toMatchObject({
      kind: "clip",
      taskId: clipId,
      jobId,
      attempt: 1,
      media: LANDSCAPE_MEDIA,
      clip: { startSec: 1, endSec: 3.5, aspect: "9:16", index: 0 },
    });
    expect(task!.source.url).toContain(`sources/${jobId}/source`);
    const claim = { taskId: clipId, claimToken: task!.claimToken };
    expect((await as.query(api.clips.listForJob, { jobId }))![0]).toMatchObject({ status: "RENDERING", progress: 0 });

    await worker.heartbeat({ ...claim, stage: "render", pct: 50 });
    expect((await as.query(api.clips.listForJob, { jobId }))![0]).toMatchObject({ status: "RENDERING", progress: 45 });

    // Its own artifacts only: the kinds a clip makes, at its index, under its job.
    const { uploads } = await worker.artifactUploadUrls({ ...claim, artifacts: [{ kind: "custom_clip", index: 0 }] });
    expect(uploads[0]!.url).toContain(`artifacts/${jobId}/custom_clip/0.mp4`);
    for (const artifact of [
      { kind: "poster" as const, index: 0 },
      { kind: "custom_clip" as const, index: 1 },
    ]) {
      await expect(worker.artifactUploadUrls({ ...claim, artifacts: [artifact] })).rejects.toThrow(WorkerApiError);
      await expect(worker.recordArtifact({ ...claim, artifact: { ...artifact, bytes: 1 } })).rejects.toThrow(WorkerApiError);
    }
    // Complete needs the clip recorded.
    await expect(worker.complete(claim)).rejects.toThrow(WorkerApiError);
    const video = { kind: "custom_clip" as const, index: 0, bytes: 1000, width: 406, height: 720, durationSec: 2.5, startSec: 1 };
    const { artifactId } = await worker.recordArtifact({ ...claim, artifact: video });
    // A retried render writes it once.
    expect(await worker.recordArtifact({ ...claim, artifact: { ...video, bytes: 1001 } })).toEqual({ artifactId });
    await worker.recordArtifact({ ...claim, artifact: { kind: "custom_clip_poster", index: 0, bytes: 10, width: 406, height: 720 } });
    await worker.complete(claim);

    expect((await as.query(api.clips.listForJob, { jobId }))![0]).toEqual(
      expect.objectContaining({ status: "READY", artifactId, number: 1 }),
    );
    const artifacts = (await as.query(api.artifacts.listForJob, { jobId }))!;
    expect(artifacts.filter((artifact) => artifact.kind === "custom_clip")).toEqual([expect.objectContaining({ _id: artifactId, bytes: 1001 })]);
    const { jobs, events } = await snapshot(t);
    expect(jobs[0]!.status).toBe("READY");
    expect(events.map(({ from, to }) => `${from}→${to}`)).toEqual(["null→QUEUED", "QUEUED→RUNNING", "RUNNING→READY"]);
    // Fenced: the claim is over.
    await expect(worker.heartbeat({ ...claim, stage: "render", pct: 1 })).rejects.toThrow(StaleClaimError);
    // The job's routes do not take a task's claim, nor the task's a job's.
    await expect(worker.complete({ jobId: clipId, claimToken: task!.claimToken })).rejects.toThrow(StaleClaimError);
  });

  test("a lost worker's clip is taken back by the reaper and claimed again as attempt 2; after the last attempt it fails", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t = configured();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertReadyJob(t, { ownerId: userId });
    const { clipId } = await as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "original" });
    const worker = workerClient(t);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { task } = await worker.claim(`w${attempt}`, ["clip"]);
      expect(task).toMatchObject({ taskId: clipId, attempt });
      vi.setSystemTime(Date.now() + 10 * 60_000); // the lease runs out
      expect(await t.mutation(internal.workerQueue.sweepExpiredLeases, {})).toBe(1);
      vi.setSystemTime(Date.now() + 10 * 60_000); // and the retry's backoff
    }
    expect((await as.query(api.clips.listForJob, { jobId }))![0]).toMatchObject({ status: "FAILED", failure: { code: "worker_lost" } });
    expect((await snapshot(t)).jobs[0]!.status).toBe("READY");
  });

  test("a worker shutting down hands the clip back at once, not as an attempt", async () => {
    const t = configured();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertReadyJob(t, { ownerId: userId });
    await as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "1:1" });
    const worker = workerClient(t);
    const first = (await worker.claim("w1", ["clip"])).task!;
    expect(await worker.fail({ taskId: first.taskId, claimToken: first.claimToken, code: "interrupted", message: "bye" })).toEqual({
      outcome: "requeued",
    });
    const second = (await worker.claim("w2", ["clip"])).task!;
    expect(second).toMatchObject({ taskId: first.taskId, attempt: 2 });
    expect(await worker.fail({ taskId: second.taskId, claimToken: second.claimToken, code: "not_a_video", message: "unreadable" })).toEqual({
      outcome: "failed",
    });
    expect((await as.query(api.clips.listForJob, { jobId }))![0]).toMatchObject({
      status: "FAILED",
      failure: { code: "render_failed", message: "unreadable" },
    });
    // A failed clip does not block asking for it again.
    const again = await as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "1:1" });
    expect(again.clipId).not.toBe(first.taskId);
  });

  test("jobs and clips are claimed in the order they became claimable", async () => {
    const t = configured();
    const { userId, as } = await signInAsNewUser(t);
    const readyJob = await insertReadyJob(t, { ownerId: userId });
    const older = await insertUploadedJob(t, { notBefore: Date.now() - 60_000 });
    const { clipId } = await as.mutation(api.clips.requestClip, { jobId: readyJob, startSec: 0, endSec: 2, aspect: "1:1" });
    const newer = await insertUploadedJob(t, { notBefore: Date.now() + 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const worker = workerClient(t);
    const claims = [];
    for (let i = 0; i < 4; i++) {
      const { job, task } = await worker.claim(`w${i}`, ["process", "clip"]);
      claims.push(job?.jobId ?? task?.taskId ?? null);
    }
    expect(claims).toEqual([older, clipId, newer, null]);
  });
});

describe("source retention", () => {
  test("past SOURCE_RETENTION_DAYS the source is deleted, waiting clips fail as source_gone, and new ones are refused", async () => {
    const t = configured();
    vi.stubEnv("SOURCE_RETENTION_DAYS", "30");
    const { userId, as } = await signInAsNewUser(t);
    const day = 24 * 60 * 60 * 1000;
    const old = await insertReadyJob(t, { ownerId: userId, readyAt: Date.now() - 31 * day });
    const recent = await insertReadyJob(t, { ownerId: userId, readyAt: Date.now() - 29 * day });
    await as.mutation(api.clips.requestClip, { jobId: old, startSec: 0, endSec: 2, aspect: "9:16" });

    expect(await t.mutation(internal.sourceRetention.deleteExpiredSources, {})).toBe(1);
    const jobs = await t.run(async (ctx) => ({ old: await ctx.db.get("video_jobs", old), recent: await ctx.db.get("video_jobs", recent) }));
    expect(jobs.old).toMatchObject({ status: "READY", sourceDeletedAt: expect.any(Number) });
    expect(jobs.old!.sourceKeptSince).toBeUndefined();
    expect(jobs.recent).toMatchObject({ status: "READY", sourceKeptSince: expect.any(Number) });
    expect(jobs.recent!.sourceDeletedAt).toBeUndefined();
    expect((await as.query(api.clips.listForJob, { jobId: old }))![0]).toMatchObject({ status: "FAILED", failure: { code: "source_gone" } });
    expect(await codeOf(as.mutation(api.clips.requestClip, { jobId: old, startSec: 0, endSec: 3, aspect: "9:16" }))).toBe("source_gone");
    expect(await codeOf(as.action(api.clips.getSourcePlaybackUrl, { jobId: old }))).toBe("source_gone");
    // A second sweep finds nothing more to do.
    expect(await t.mutation(internal.sourceRetention.deleteExpiredSources, {})).toBe(0);
    await as.mutation(api.clips.requestClip, { jobId: recent, startSec: 0, endSec: 3, aspect: "9:16" });
  });

  test("completing a job starts its retention", async () => {
    const t = configured();
    const jobId = await insertUploadedJob(t);
    const worker = workerClient(t);
    const { job } = await worker.claim("w1");
    await worker.complete({ jobId, claimToken: job!.claimToken });
    const stored = await t.run((ctx) => ctx.db.get("video_jobs", jobId as Id<"video_jobs">));
    expect(stored).toMatchObject({ status: "READY", sourceKeptSince: expect.any(Number) });
  });
});
