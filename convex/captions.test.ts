// @vitest-environment node
/**
 * Captions as a task (issue 21) through the worker's HTTP API, as its own client speaks it, and
 * the public functions (`captions.*`, `clips.requestClip` with `captions`): queued in the
 * transaction that makes a job with sound READY (none without sound), claimed only by a worker
 * serving captions, READY with its VTT and transcript (or with no speech), a failure with its
 * code that leaves the job READY, the owner's bounded retry, and another user's job as not found.
 */
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import type { Media } from "./lib/validators";
import { MAX_CAPTIONS_TASKS_PER_JOB } from "./model/captionsTasks";
import { signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadedJob } from "./testing/jobFixtures.testing";
import { LANDSCAPE_MEDIA } from "./testing/taskFixtures.testing";
import { codeOf } from "./testing/uploadFixtures.testing";
import { inProcessWorkerClient, useWorkerApiSuite } from "./testing/workerApiFixtures.testing";
import { WorkerApiError } from "../modal/worker/workerApiClient";

const { configured } = useWorkerApiSuite();
const workerClient = inProcessWorkerClient;

const tasksOf = (t: ConvexTestHarness) => t.run(async (ctx) => await ctx.db.query("tasks").collect());

/** A job processed by the worker to READY through the real routes, its probe saying `media`. */
async function processToReady(t: ConvexTestHarness, media: Media) {
  const { userId, as } = await signInAsNewUser(t);
  const jobId = await insertUploadedJob(t, { ownerId: userId });
  const worker = workerClient(t);
  const { job } = await worker.claim("processor", ["process"]);
  expect(job).toMatchObject({ jobId });
  const claim = { jobId, claimToken: job!.claimToken };
  await worker.heartbeat({ ...claim, stage: "probe", pct: 100, media });
  // Before READY there is nothing to caption.
  expect(await as.query(api.captions.forJob, { jobId })).toBeNull();
  // A job's complete takes no captions result: one sent along is ignored, not a 500.
  await worker.complete({ ...claim, captions: { speech: true } });
  return { as, userId, jobId, worker };
}

/** Claims the job's captions task and records both its artifacts. */
async function transcribed(worker: ReturnType<typeof workerClient>, jobId: Id<"video_jobs">) {
  const { job, task } = await worker.claim("gpu", ["captions"]);
  expect(job).toBeNull();
  expect(task).toMatchObject({ kind: "captions", jobId, index: 0, media: { hasAudio: true } });
  const claim = { taskId: task!.taskId, claimToken: task!.claimToken };
  const { uploads } = await worker.artifactUploadUrls({
    ...claim,
    artifacts: [
      { kind: "captions_vtt", index: 0 },
      { kind: "transcript", index: 0 },
    ],
  });
  expect(uploads.map((u) => [u.url.split("?")[0]!.replace(/^.*\/artifacts\//, ""), u.contentType])).toEqual([
    [`${jobId}/captions_vtt/0.vtt`, "text/vtt"],
    [`${jobId}/transcript/0.json`, "application/json"],
  ]);
  return { task: task!, claim };
}

describe("captions follow READY", () => {
  test("a job with sound gets a captions task in the READY transaction; only a captions worker claims it; READY with both artifacts", async () => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    expect((await as.query(api.jobs.get, { jobId }))!.status).toBe("READY");
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ status: "QUEUED", canRetry: false });
    // The GPU drain is woken for it.
    const wakes = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
    expect(wakes.filter((call) => call.name.includes("wakeWorker")).map((call) => call.args[0])).toContainEqual({ drain: "captions" });
    // A worker of jobs and clips leaves it alone.
    expect(await worker.claim("cpu", ["process", "clip"])).toEqual({ job: null, task: null });

    const { claim } = await transcribed(worker, jobId);
    await worker.heartbeat({ ...claim, stage: "transcribe", pct: 50 });
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ status: "TRANSCRIBING", progress: 50 });
    // Its own artifacts only.
    await expect(worker.recordArtifact({ ...claim, artifact: { kind: "custom_clip", index: 0, bytes: 1 } })).rejects.toThrow(WorkerApiError);
    const vtt = await worker.recordArtifact({ ...claim, artifact: { kind: "captions_vtt", index: 0, bytes: 120 } });
    // Complete needs both artifacts and what was found.
    await expect(worker.complete({ ...claim, captions: { speech: true, language: "en" } })).rejects.toThrow(WorkerApiError);
    const transcript = await worker.recordArtifact({ ...claim, artifact: { kind: "transcript", index: 0, bytes: 900 } });
    await expect(worker.complete(claim)).rejects.toThrow(WorkerApiError);
    // A retried upload writes each once.
    expect(await worker.recordArtifact({ ...claim, artifact: { kind: "transcript", index: 0, bytes: 901 } })).toEqual(transcript);
    await worker.complete({ ...claim, captions: { speech: true, language: "en" } });

    expect(await as.query(api.captions.forJob, { jobId })).toEqual({
      taskId: claim.taskId,
      status: "READY",
      speech: true,
      language: "en",
      vttArtifactId: vtt.artifactId,
      transcriptArtifactId: transcript.artifactId,
      canRetry: false,
    });
    const artifacts = (await as.query(api.artifacts.listForJob, { jobId }))!;
    expect(artifacts.filter((a) => a.kind === "captions_vtt" || a.kind === "transcript").map((a) => `${a.kind}/${a.index}`)).toEqual([
      "captions_vtt/0",
      "transcript/0",
    ]);
    expect((await as.query(api.jobs.get, { jobId }))!.status).toBe("READY");
    expect(await codeOf(as.mutation(api.captions.retry, { jobId }))).toBe("captions_not_ready");
  });

  test("a job without sound gets no captions task; retry refuses it", async () => {
    const t = configured();
    const { as, jobId } = await processToReady(t, { ...LANDSCAPE_MEDIA, hasAudio: false, audioCodec: undefined });
    expect((await as.query(api.jobs.get, { jobId }))!.status).toBe("READY");
    expect(await tasksOf(t)).toEqual([]);
    expect(await as.query(api.captions.forJob, { jobId })).toBeNull();
    expect(await codeOf(as.mutation(api.captions.retry, { jobId }))).toBe("invalid_state");
  });

  test("no speech is READY with speech false, not a failure", async () => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    const { claim } = await transcribed(worker, jobId);
    await worker.recordArtifact({ ...claim, artifact: { kind: "captions_vtt", index: 0, bytes: 8 } });
    await worker.recordArtifact({ ...claim, artifact: { kind: "transcript", index: 0, bytes: 200 } });
    await worker.complete({ ...claim, captions: { speech: false } });
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ status: "READY", speech: false, canRetry: false });
    // Nothing to burn into a clip.
    expect(await codeOf(as.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "9:16", captions: true }))).toBe(
      "captions_not_ready",
    );
  });
});

describe("a failed transcription", () => {
  test.each([
    ["no_audio", "no_audio"],
    ["audio_unreadable", "audio_unreadable"],
    ["captions_unavailable", "captions_unavailable"],
    ["not_a_video", "audio_unreadable"],
  ] as const)("reported as %s fails the task as %s, the job stays READY, and the owner may retry", async (reported, code) => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    const { claim } = await transcribed(worker, jobId);
    expect(await worker.fail({ ...claim, code: reported, message: "worker's words" })).toEqual({ outcome: "failed" });
    const view = await as.query(api.captions.forJob, { jobId });
    expect(view).toMatchObject({ status: "FAILED", failure: { code }, canRetry: true });
    expect(view!.failure!.message).not.toContain("clip");
    expect((await as.query(api.jobs.get, { jobId }))!.status).toBe("READY");

    const { taskId } = await as.mutation(api.captions.retry, { jobId });
    expect(taskId).not.toBe(claim.taskId);
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ taskId, status: "QUEUED" });
    // Asking twice queues nothing more.
    expect(await codeOf(as.mutation(api.captions.retry, { jobId }))).toBe("captions_not_ready");
    const again = await worker.claim("gpu-2", ["captions"]);
    expect(again.task).toMatchObject({ taskId, index: 0 });
  });

  test("a processing_error is retried by the queue before it sticks", async () => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    const { claim } = await transcribed(worker, jobId);
    expect(await worker.fail({ ...claim, code: "processing_error", message: "crashed" })).toEqual({ outcome: "requeued" });
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ status: "QUEUED", taskId: claim.taskId });
  });

  test(`retries stop at ${MAX_CAPTIONS_TASKS_PER_JOB} tries per job`, async () => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    for (let tries = 1; tries <= MAX_CAPTIONS_TASKS_PER_JOB; tries++) {
      const { task } = await worker.claim(`gpu-${tries}`, ["captions"]);
      await worker.fail({ taskId: task!.taskId, claimToken: task!.claimToken, code: "audio_unreadable", message: "no" });
      if (tries < MAX_CAPTIONS_TASKS_PER_JOB) await as.mutation(api.captions.retry, { jobId });
    }
    expect(await as.query(api.captions.forJob, { jobId })).toMatchObject({ status: "FAILED", canRetry: false });
    const before = await tasksOf(t);
    expect(await codeOf(as.mutation(api.captions.retry, { jobId }))).toBe("too_many_retries");
    expect(await tasksOf(t)).toEqual(before);
  });
});

describe("ownership", () => {
  test("another user's job reads as not found and cannot be retried or burned in", async () => {
    const t = configured();
    const { jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    const { claim } = await transcribed(worker, jobId);
    await worker.fail({ ...claim, code: "audio_unreadable", message: "no" });
    const stranger = (await signInAsNewUser(t)).as;
    expect(await stranger.query(api.captions.forJob, { jobId })).toBeNull();
    const before = await tasksOf(t);
    expect(await codeOf(stranger.mutation(api.captions.retry, { jobId }))).toBe("not_found");
    expect(await codeOf(stranger.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 2, aspect: "9:16", captions: true }))).toBe(
      "not_found",
    );
    expect(await tasksOf(t)).toEqual(before);
  });
});

describe("burned-in captions on a clip", () => {
  test("refused until the captions are READY with speech; then the claim carries the transcript's URL, and the request key includes captions", async () => {
    const t = configured();
    const { as, jobId, worker } = await processToReady(t, LANDSCAPE_MEDIA);
    expect(await codeOf(as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "9:16", captions: true }))).toBe(
      "captions_not_ready",
    );
    const { claim } = await transcribed(worker, jobId);
    await worker.recordArtifact({ ...claim, artifact: { kind: "captions_vtt", index: 0, bytes: 120 } });
    await worker.recordArtifact({ ...claim, artifact: { kind: "transcript", index: 0, bytes: 900 } });
    await worker.complete({ ...claim, captions: { speech: true, language: "en" } });

    const plain = (await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "9:16" })).clipId;
    const burned = (await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "9:16", captions: true })).clipId;
    expect(burned).not.toBe(plain);
    expect((await as.mutation(api.clips.requestClip, { jobId, startSec: 1, endSec: 3, aspect: "9:16", captions: true })).clipId).toBe(burned);
    const listed = (await as.query(api.clips.listForJob, { jobId }))!;
    expect(listed.map((clip) => [clip._id, clip.captions === true])).toEqual([
      [plain, false],
      [burned, true],
    ]);

    const first = (await worker.claim("cpu", ["clip"])).task!;
    const second = (await worker.claim("cpu-2", ["clip"])).task!;
    const [plainTask, burnedTask] = first.taskId === plain ? [first, second] : [second, first];
    expect(plainTask.kind === "clip" && plainTask.clip.captions).toBeUndefined();
    expect(burnedTask.kind === "clip" && burnedTask.clip.captions?.transcriptUrl).toContain(`artifacts/${jobId}/transcript/0.json`);
  });
});
