// @vitest-environment node
/**
 * Clips on demand end to end against the real local stack: a guest's upload processed to READY,
 * clips requested through `clips.requestClip`, rendered by the worker's claim loop with real
 * FFmpeg reading the source through its presigned URL, and the results downloaded and checked
 * with ffprobe and decoded frames, independently of what the worker says it wrote.
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { ClipAspect } from "../../convex/lib/clipFrames";
import type { ConvexHttpClient } from "convex/browser";
import { drainQueue } from "./claimLoop";
import { runFfmpeg } from "./pipeline/ffmpegBinaries";
import { createWorkerApiClient } from "./workerApiClient";
import { createWorkerLog } from "./workerLog";
import { createTestVideoLibrary, TEST_VIDEOS, type TestVideoLibrary, type TestVideoName } from "./testing/generateTestVideos";
import { colorDistance, frameColor, probeFile } from "./testing/inspectMedia";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest, type LocalStack } from "./testing/localStack";

let stack: LocalStack;
let videos: TestVideoLibrary;
const logLines: string[] = [];
const log = createWorkerLog("test-worker", (line) => logLines.push(line));
/** The second scene of `landscapeWithCuts` (`color=0x2055cc`), from 3 s to 7 s. */
const BLUE = [0x20, 0x55, 0xcc] as const;

beforeAll(async () => {
  [stack, videos] = await Promise.all([startLocalStack(), createTestVideoLibrary()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), videos?.dispose()]);
});

function drain(kinds: Parameters<typeof drainQueue>[0]["kinds"]) {
  const api = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
  return drainQueue({ api, log, shutdownSignal: new AbortController().signal, workerId: "clips-integration", concurrency: 1, kinds });
}

/** A guest's READY job of the test video `name`. */
async function readyJob(name: TestVideoName): Promise<{ guest: ConvexHttpClient; jobId: Id<"video_jobs"> }> {
  const guest = await signInAsGuest(stack.endpoints.convexUrl);
  const jobId = await uploadVideoAsGuest(guest, await videos.path(name));
  expect(await drain(["process"])).toEqual(["ready"]);
  return { guest, jobId };
}

/** The clip's video file, downloaded as its owner downloads it. */
async function downloadClip(guest: ConvexHttpClient, jobId: Id<"video_jobs">, clipId: Id<"tasks">): Promise<string> {
  const clip = (await guest.query(api.clips.listForJob, { jobId }))!.find((c) => c._id === clipId)!;
  expect(clip).toMatchObject({ status: "READY", artifactId: expect.any(String) });
  const { url } = await guest.action(api.artifacts.getDownloadUrl, { artifactId: clip.artifactId! });
  const response = await fetch(url);
  expect(response.headers.get("content-disposition")).toMatch(/-custom-clip-\d+\.mp4"?$/);
  const file = path.join(tmpdir(), `reeldrop-custom-clip-${clipId}.mp4`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

async function request(guest: ConvexHttpClient, jobId: Id<"video_jobs">, startSec: number, endSec: number, aspect: ClipAspect) {
  return (await guest.mutation(api.clips.requestClip, { jobId, startSec, endSec, aspect })).clipId;
}

describe("clips on demand, rendered by the real worker", { timeout: 240_000 }, () => {
  test("a 9:16 clip of [1.0, 3.5] s of a landscape video: 2.5 s (±1 frame), 9:16, starts on its frame, plays, has audio; 'original' keeps the shape", async () => {
    const { guest, jobId } = await readyJob("landscapeWithCuts");
    const vertical = await request(guest, jobId, 1.0, 3.5, "9:16");
    const original = await request(guest, jobId, 2.0, 4.0, "original");
    // A worker that processes jobs only leaves clips alone.
    expect(await drain(["process"])).toEqual([]);
    expect((await guest.query(api.clips.listForJob, { jobId }))!.map((clip) => clip.status)).toEqual(["QUEUED", "QUEUED"]);
    expect(await drain(["process", "clip"])).toEqual(["ready", "ready"]);

    const frameSec = 1 / TEST_VIDEOS.landscapeWithCuts.fps;
    const file = await downloadClip(guest, jobId, vertical);
    const probed = await probeFile(file);
    const video = probed.streams.find((stream) => stream.codec_type === "video")!;
    const audio = probed.streams.find((stream) => stream.codec_type === "audio");
    expect(video).toMatchObject({ codec_name: "h264", height: 360 });
    expect(video.width! / video.height!).toBeCloseTo(9 / 16, 2);
    expect(audio).toMatchObject({ codec_name: "aac" });
    expect(Math.abs(Number(probed.format.duration) - 2.5)).toBeLessThanOrEqual(frameSec + 0.03);
    expect(Math.abs(Number(video.duration) - 2.5)).toBeLessThanOrEqual(frameSec);
    // The hard cut to solid blue is at 3.0 s of the source: 2.0 s into the clip, frame 50 (the centre crop of it is all blue).
    const cutFrame = Math.round(2.0 / frameSec);
    expect(colorDistance(await frameColor(file, cutFrame), BLUE)).toBeLessThan(40);
    expect(colorDistance(await frameColor(file, cutFrame - 1), BLUE)).toBeGreaterThan(100);
    // It plays: every packet decodes without an error.
    await runFfmpeg(["-xerror", "-i", file, "-f", "null", "-"]);

    const kept = (await probeFile(await downloadClip(guest, jobId, original))).streams.find((s) => s.codec_type === "video")!;
    expect(kept).toMatchObject({ width: 640, height: 360 });

    const artifacts = (await guest.query(api.artifacts.listForJob, { jobId }))!;
    const custom = artifacts.filter((artifact) => artifact.kind.startsWith("custom_clip")).map((a) => `${a.kind}/${a.index}`);
    expect(custom.sort()).toEqual(["custom_clip/0", "custom_clip/1", "custom_clip_poster/0", "custom_clip_poster/1"]);
    expect((await guest.query(api.jobs.get, { jobId }))!.status).toBe("READY");
  });

  test("a 1:1 clip of a portrait video is square; a clip of a video without audio has none", async () => {
    const portrait = await readyJob("portrait");
    const square = await request(portrait.guest, portrait.jobId, 0.5, 3.0, "1:1");
    const silent = await readyJob("noAudio");
    const vertical = await request(silent.guest, silent.jobId, 1.0, 3.0, "9:16");
    expect(await drain(["clip"])).toEqual(["ready", "ready"]);

    const squareVideo = (await probeFile(await downloadClip(portrait.guest, portrait.jobId, square))).streams;
    expect(squareVideo.find((s) => s.codec_type === "video")).toMatchObject({ width: 180, height: 180 });
    const silentStreams = (await probeFile(await downloadClip(silent.guest, silent.jobId, vertical))).streams;
    expect(silentStreams.map((s) => s.codec_type)).toEqual(["video"]);
  });

  test("worker log lines carry no URL signatures or secrets", () => {
    const all = logLines.join("\n");
    expect(all).toContain('"event":"task ready"');
    expect(all).not.toContain("X-Amz-Signature");
    expect(all).not.toContain(stack.endpoints.workerSecret);
  });
});
