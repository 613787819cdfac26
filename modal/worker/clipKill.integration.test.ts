// @vitest-environment node
/**
 * Drill: the worker process is SIGKILLed while it renders a clip (an ffmpeg of the clip running
 * in its work folder, the clip RENDERING). The clip must still end READY, as attempt 2, with
 * exactly one clip and one poster in `video_artifacts` and in storage, and the job stays READY.
 *
 * The real pieces, as in `workerKill.integration.test.ts`: `npm run worker` as child processes
 * (serving clips only), the offline Convex backend, s3rver behind the slow-down proxy so that
 * ffmpeg's range reads of the source last long enough to be hit. Recovery: a short lease; the
 * next worker's subscription to `nextClaimableAt` (with its kinds) wakes it when the dead
 * worker's lease ends, and its claim takes the clip back.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { artifactKey } from "../../convex/lib/artifactKinds";
import { drainQueue } from "./claimLoop";
import { createWorkerApiClient } from "./workerApiClient";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { createStackS3Client, guestToken, startLocalStack, uploadVideoAsGuest, type LocalStack } from "./testing/localStack";
import { startLocalWorkerProcess, type LocalWorkerProcess } from "./testing/localWorkerProcess";
import { ffmpegProcessesIn } from "./testing/runningProcesses";
import { startThrottlingS3Proxy, type ThrottlingS3Proxy } from "./testing/throttlingS3Proxy";
import { pollUntil } from "./testing/pollUntil";

const LEASE_SECONDS = 5;
/** Slow enough that ffmpeg's reads of a ~0.5 MB source take seconds. */
const SOURCE_BYTES_PER_SECOND = 40 * 1024;

let proxy: ThrottlingS3Proxy;
let stack: LocalStack;
let videos: TestVideoLibrary;
let s3: S3Client;
let workRoot: string;
const workers: LocalWorkerProcess[] = [];

beforeAll(async () => {
  proxy = await startThrottlingS3Proxy();
  [stack, videos, workRoot] = await Promise.all([
    startLocalStack({ R2_ENDPOINT: proxy.url, WORKER_LEASE_SECONDS: String(LEASE_SECONDS), WORKER_RETRY_BASE_SECONDS: "1" }),
    createTestVideoLibrary(),
    mkdtemp(path.join(tmpdir(), "reeldrop-clip-kill-drill-")),
  ]);
  proxy.setUpstream(stack.endpoints.s3Endpoint);
  s3 = createStackS3Client(stack);
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await killFfmpegIn(workRoot);
  s3?.destroy();
  await Promise.all([stack?.stop(), videos?.dispose(), proxy?.close()]);
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

function startClipWorker(): LocalWorkerProcess {
  const worker = startLocalWorkerProcess(stack, { TMPDIR: workRoot, WORKER_KINDS: "clip" });
  workers.push(worker);
  return worker;
}

/** ffmpeg/ffprobe processes whose working directory is a clip's work folder under `root`; killed when `kill`. */
async function killFfmpegIn(root: string | undefined, kill = true): Promise<number[]> {
  if (!root) return [];
  const folders = (await readdir(root).catch(() => [] as string[])).filter((name) => name.startsWith("reeldrop-clip-"));
  const found: number[] = [];
  for (const folder of folders) {
    found.push(...(await ffmpegProcessesIn(path.join(root, folder))));
  }
  if (kill) for (const pid of found) process.kill(pid, "SIGKILL");
  return found;
}

test("a worker SIGKILLed while rendering a clip: the clip still ends READY, attempt 2, with one artifact", { timeout: 240_000 }, async () => {
  const owner = new ConvexHttpClient(stack.endpoints.convexUrl);
  owner.setAuth(await guestToken(stack.endpoints.convexUrl));
  const jobId = await uploadVideoAsGuest(owner, await videos.path("landscapeWithCuts"));
  const api_ = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
  expect(await drainQueue({ api: api_, log: { info() {}, warn() {} }, shutdownSignal: new AbortController().signal, workerId: "processor", concurrency: 1, kinds: ["process"] })).toEqual(["ready"]);

  proxy.slowDown({ sourceBytesPerSecond: SOURCE_BYTES_PER_SECOND });
  const first = startClipWorker();
  await first.started;
  const { clipId } = await owner.mutation(api.clips.requestClip, { jobId, startSec: 0, endSec: 9, aspect: "9:16" });
  const clipOf = async () => (await owner.query(api.clips.listForJob, { jobId }))!.find((clip) => clip._id === clipId)!;

  // RENDERING, and its ffmpeg running in the worker's work folder: kill the worker there.
  const ffmpeg = await pollUntil("the clip's ffmpeg", async () => {
    if ((await clipOf()).status !== "RENDERING") return undefined;
    const pids = await killFfmpegIn(workRoot, false);
    return pids.length > 0 ? pids : undefined;
  }, 60_000);
  first.child.kill("SIGKILL");
  await first.exited;
  expect((await clipOf()).status).toBe("RENDERING");
  expect(await owner.query(api.artifacts.listForJob, { jobId })).not.toContainEqual(expect.objectContaining({ kind: "custom_clip" }));
  // A SIGKILL runs no cleanup: its ffmpeg lives on as an orphan until killed.
  expect((await killFfmpegIn(workRoot)).sort()).toEqual(ffmpeg.sort());

  proxy.slowDown({});
  startClipWorker();
  const done = await pollUntil("the clip to end", async () => {
    const clip = await clipOf();
    return clip.status === "READY" || clip.status === "FAILED" ? clip : undefined;
  }, 120_000);
  expect(done).toMatchObject({ status: "READY", artifactId: expect.any(String) });

  const artifacts = (await owner.query(api.artifacts.listForJob, { jobId }))!.filter((a) => a.kind.startsWith("custom_clip"));
  expect(artifacts.map((a) => `${a.kind}/${a.index}`).sort()).toEqual(["custom_clip/0", "custom_clip_poster/0"]);
  for (const artifact of artifacts) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.endpoints.bucket, Key: artifactKey(jobId as Id<"video_jobs">, artifact.kind, 0) }));
    expect(head.ContentLength).toBe(artifact.bytes);
  }
  expect((await owner.query(api.jobs.get, { jobId }))!.status).toBe("READY");
  const log = workers[1]!.log();
  expect(log).toContain('"event":"task claimed"');
  expect(log).toContain('"attempt":2');
});
