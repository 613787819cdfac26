// @vitest-environment node
/**
 * The worker end to end against the real local stack: Convex functions on the offline
 * backend, the worker HTTP API, the embedded S3 server and real FFmpeg.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { JOB_ARTIFACT_KINDS } from "../../convex/lib/artifactKinds";
import { storedObjectPath } from "../../scripts/s3/embeddedS3";
import { DrainFailedError, drainQueue } from "./claimLoop";
import { createWorkerApiClient, type WorkerApi } from "./workerApiClient";
import { createWorkerLog } from "./workerLog";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest, waitForStatus, type LocalStack } from "./testing/localStack";

const execFileAsync = promisify(execFile);
let stack: LocalStack;
let videos: TestVideoLibrary;
const logLines: string[] = [];
const log = createWorkerLog("test-worker", (line) => logLines.push(line));

beforeAll(async () => {
  [stack, videos] = await Promise.all([startLocalStack(), createTestVideoLibrary()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), videos?.dispose()]);
});

function workerOptions(workerId: string, api: WorkerApi = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret })) {
  return { api, log, shutdownSignal: new AbortController().signal, workerId, concurrency: 1 };
}

describe("the worker against the local stack", { timeout: 180_000 }, () => {
  test("a drain that cannot claim fails, rather than reporting an empty queue", async () => {
    const wrongSecret = { ...workerOptions("integration-wrong-secret"), concurrency: 2 };
    wrongSecret.api = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: "not-the-secret" });
    const failure = await drainQueue(wrongSecret).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DrainFailedError);
    expect((failure as DrainFailedError).failures).toHaveLength(2);
    expect((failure as DrainFailedError).message).toMatch(/401/);
    expect((failure as DrainFailedError).message).not.toContain("not-the-secret");
  });

  test("an uploaded video becomes READY with every artifact kind, each downloadable and probed", async () => {
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const video = await videos.path("landscapeWithCuts");
    const jobId = await uploadVideoAsGuest(guest, video);

    expect(await drainQueue(workerOptions("integration-1"))).toEqual(["ready"]);
    expect(await waitForStatus(guest, jobId, ["READY"])).toBe("READY");

    const job = await guest.query(api.jobs.get, { jobId });
    expect(job!.media).toMatchObject({ width: 640, height: 360, hasAudio: true, videoCodec: "h264" });
    const artifacts = (await guest.query(api.artifacts.listForJob, { jobId }))!;
    expect(new Set(artifacts.map((a) => a.kind))).toEqual(new Set(JOB_ARTIFACT_KINDS));
    const keys = artifacts.map((a) => `${a.kind}/${a.index}`);
    expect(new Set(keys).size).toBe(keys.length);

    const poster = artifacts.find((a) => a.kind === "poster")!;
    const { url } = await guest.action(api.artifacts.getDownloadUrl, { artifactId: poster._id });
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(bytes.length).toBe(poster.bytes);
    const file = path.join(tmpdir(), `reeldrop-poster-${process.pid}.jpg`);
    await writeFile(file, bytes);
    const { stdout } = await execFileAsync("ffprobe", [
      ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height"],
      ...["-of", "json", file],
    ]);
    expect(JSON.parse(stdout).streams[0]).toMatchObject({ codec_name: "mjpeg", width: poster.width, height: poster.height });

    const timeline = (await guest.query(api.jobs.timeline, { jobId }))!.map((e) => e.to);
    expect(timeline).toEqual(["CREATED", "META_READY", "UPLOAD_READY", "UPLOADING", "UPLOADED", "PROCESSING", "READY"]);
  });

  test("a source changed in storage behind its back (same size, one byte) fails with integrity before any processing: Convex combined the CRC32C storage verified on each part, the worker recomputes it", async () => {
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const video = await videos.path("landscapeWithCuts");
    const jobId = await uploadVideoAsGuest(guest, video);
    const stored = storedObjectPath({ directory: stack.storageDirectory, bucket: stack.endpoints.bucket }, `sources/${jobId}/source`);
    const bytes = await readFile(stored);
    bytes[bytes.length >> 1]! ^= 0x01;
    await writeFile(stored, bytes);

    expect(await drainQueue(workerOptions("integration-crc"))).toEqual(["failed"]);
    const job = await guest.query(api.jobs.get, { jobId });
    expect(job).toMatchObject({ status: "FAILED", failure: { code: "integrity", retryable: false } });
    expect(job!.media).toBeUndefined();
    expect(await guest.query(api.artifacts.listForJob, { jobId })).toEqual([]);
  });

  test("a text file renamed .mp4 fails with not_a_video and a readable message", async () => {
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const jobId = await uploadVideoAsGuest(guest, await videos.path("text"));
    expect(await drainQueue(workerOptions("integration-2"))).toEqual(["failed"]);
    const job = await guest.query(api.jobs.get, { jobId });
    expect(job).toMatchObject({ status: "FAILED", failure: { code: "not_a_video", retryable: false } });
    expect(job!.failure!.message.length).toBeGreaterThan(10);
    expect(await guest.query(api.artifacts.listForJob, { jobId })).toEqual([]);
  });

  test("a job canceled while processing stops at the next heartbeat and writes nothing more", async () => {
    const guest = await signInAsGuest(stack.endpoints.convexUrl);
    const jobId = await uploadVideoAsGuest(guest, await videos.path("tenMinutes"));
    const draining = drainQueue(workerOptions("integration-3"));
    await waitForStatus(guest, jobId, ["PROCESSING"]);
    await guest.mutation(api.jobs.cancel, { jobId });
    expect(await draining).toEqual(["canceled"]);
    const job = await guest.query(api.jobs.get, { jobId });
    expect(job).toMatchObject({ status: "FAILED", failure: { code: "canceled" } });
  });

  test("worker log lines carry no URL signatures or secrets", () => {
    const all = logLines.join("\n");
    expect(all).not.toContain("X-Amz-Signature");
    expect(all).not.toContain(stack.endpoints.workerSecret);
  });
});
