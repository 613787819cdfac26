/**
 * Clips on demand (issue 20): how long the worker takes to render a clip, in wall seconds per
 * second of clip, per shape, from 1080p30 sources read the way the worker reads them (through a
 * presigned URL of the embedded S3 server: input seeking as HTTP range requests), with
 * `renderCustomClip` itself (one ffmpeg, WORKER_FFMPEG_THREADS=2); and how soon a requested clip
 * shows RENDERING with an idle `npm run worker` (its queue subscription woken by the request).
 *
 *   tsx scripts/bench/clipRender.ts [--runs 3] [--clip-seconds 10] [--requests 5]
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { ClipAspect } from "../../convex/lib/clipFrames";
import type { Media } from "../../convex/lib/validators";
import { createS3Client } from "../../convex/model/s3Client";
import { runFfmpeg } from "../../modal/worker/pipeline/ffmpegBinaries";
import { renderCustomClip } from "../../modal/worker/pipeline/renderCustomClip";
import { guestToken, signInAsGuest, startLocalStack, uploadVideoAsGuest, waitForStatus } from "../../modal/worker/testing/localStack";
import { startLocalWorkerProcess } from "../../modal/worker/testing/localWorkerProcess";
import { startEmbeddedS3 } from "../s3/embeddedS3";
import { BENCH_FUNCTION_ENV, median, numberArg, percentile, reportResult, round } from "./benchSupport";

const RUNS = numberArg("runs", 3);
const CLIP_SECONDS = numberArg("clip-seconds", 10);
const REQUESTS = numberArg("requests", 5);
const SOURCE_SECONDS = 60;
const THREADS = 2;

type Source = { name: string; media: Media; file: string };

async function generateSource(folder: string, width: number, height: number): Promise<Source> {
  const file = path.join(folder, `source-${width}x${height}p30.mp4`);
  // ffmpeg: 60 s of testsrc2 at 30 fps + sine → H.264 (veryfast, 2 s GOP) / AAC, as an upload might be.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=30:duration=${SOURCE_SECONDS}`],
    ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${SOURCE_SECONDS}`],
    ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "60"],
    ...["-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart", file],
  ]);
  const media: Media = { durationSec: SOURCE_SECONDS, width, height, fps: 30, rotation: 0, videoCodec: "h264", audioCodec: "aac", hasAudio: true };
  return { name: `${width}x${height}`, media, file };
}

/**
 * CPU seconds used by this process's finished children (ffmpeg), from /proc/self/stat's cutime
 * and cstime: the wall time on a shared machine depends on who else runs, the CPU time much less.
 */
async function childCpuSeconds(): Promise<number> {
  const fields = (await readFile("/proc/self/stat", "utf8")).split(") ")[1]!.split(" ");
  // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Seconds (wall and CPU) per clip-second of each run, rendering `CLIP_SECONDS` from a different start each time. */
async function measureRenders(url: string, source: Source, aspect: ClipAspect, folder: string) {
  const perClipSecond: number[] = [];
  const cpuPerClipSecond: number[] = [];
  let output = { width: 0, height: 0 };
  for (let run = 0; run < RUNS; run++) {
    const workDir = await mkdtemp(path.join(folder, "render-"));
    const startSec = 5 + run * 13;
    const cpuBefore = await childCpuSeconds();
    const began = performance.now();
    const [clip] = await renderCustomClip({
      source: url,
      media: source.media,
      clip: { startSec, endSec: startSec + CLIP_SECONDS, aspect, index: 0 },
      workDir,
      threads: THREADS,
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    perClipSecond.push((performance.now() - began) / 1000 / CLIP_SECONDS);
    cpuPerClipSecond.push(((await childCpuSeconds()) - cpuBefore) / CLIP_SECONDS);
    output = { width: clip!.width!, height: clip!.height! };
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    source: source.name,
    aspect,
    output: `${output.width}x${output.height}`,
    runs: perClipSecond.map((s) => round(s, 3)),
    secondsPerClipSecond: round(median(perClipSecond), 3),
    cpuSecondsPerClipSecond: round(median(cpuPerClipSecond), 3),
  };
}

async function renderTimes(folder: string) {
  const s3 = await startEmbeddedS3({ bucket: "bench", allowedOrigins: ["http://localhost"] });
  const client = createS3Client({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  try {
    const sources = [await generateSource(folder, 1920, 1080), await generateSource(folder, 1080, 1920)];
    const rows = [];
    for (const source of sources) {
      const key = `sources/${source.name}/source`;
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(source.file) }));
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: key }), { expiresIn: 3600 });
      const aspects: ClipAspect[] = source.media.width > source.media.height ? ["9:16", "1:1", "original"] : ["9:16"];
      for (const aspect of aspects) {
        const row = await measureRenders(url, source, aspect, folder);
        console.log(
          `${row.source} → ${row.aspect} (${row.output}): ${row.secondsPerClipSecond} s per clip-second (runs ${row.runs.join(", ")}), ` +
            `${row.cpuSecondsPerClipSecond} CPU-s per clip-second`,
        );
        rows.push(row);
      }
    }
    return rows;
  } finally {
    client.destroy();
    await s3.stop();
  }
}

/** Request → RENDERING on the owner's subscription, with an idle local worker serving clips. */
async function timeToRendering(folder: string) {
  const stack = await startLocalStack(BENCH_FUNCTION_ENV);
  const worker = startLocalWorkerProcess(stack, { TMPDIR: folder });
  const watcher = new ConvexClient(stack.endpoints.convexUrl, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
  try {
    await worker.started;
    const token = await guestToken(stack.endpoints.convexUrl);
    const owner = await signInAsGuest(stack.endpoints.convexUrl);
    owner.setAuth(token);
    watcher.setAuth(async () => token);
    const small = await generateSource(folder, 320, 180);
    const jobId = await uploadVideoAsGuest(owner, small.file);
    await waitForStatus(owner, jobId, ["READY"], 120_000);
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const rendering = new Promise<number>((resolve) => {
        const unsubscribe = watcher.onUpdate(api.clips.listForJob, { jobId }, (clips) => {
          if (clips?.[i]?.status === "RENDERING" || clips?.[i]?.status === "READY") {
            unsubscribe();
            resolve(performance.now());
          }
        });
      });
      const requestedAt = performance.now();
      await owner.mutation(api.clips.requestClip, { jobId: jobId as Id<"video_jobs">, startSec: i * 5, endSec: i * 5 + 2, aspect: "9:16" });
      latencies.push((await rendering) - requestedAt);
      await waitForClip(owner, jobId, i);
    }
    return { requests: REQUESTS, p50Ms: round(percentile(latencies, 50), 0), maxMs: round(Math.max(...latencies), 0), runsMs: latencies.map((ms) => round(ms, 0)) };
  } finally {
    await watcher.close();
    worker.child.kill("SIGTERM");
    await worker.exited;
    await stack.stop();
  }
}

async function waitForClip(owner: Awaited<ReturnType<typeof signInAsGuest>>, jobId: Id<"video_jobs">, index: number) {
  for (let i = 0; i < 600; i++) {
    const clip = (await owner.query(api.clips.listForJob, { jobId }))?.[index];
    if (clip?.status === "READY" || clip?.status === "FAILED") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  const folder = await mkdtemp(path.join(tmpdir(), "reeldrop-bench-clips-"));
  try {
    const renders = await renderTimes(folder);
    const rendering = await timeToRendering(folder);
    console.log(`request → RENDERING with an idle worker: p50 ${rendering.p50Ms} ms, max ${rendering.maxMs} ms (${rendering.requests} requests)`);
    reportResult("clipRender", { clipSeconds: CLIP_SECONDS, threads: THREADS, renders, requestToRendering: rendering });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
