// @vitest-environment node
/**
 * Drill (issue 21): the worker process is SIGKILLed while it transcribes (the CLI running on the
 * task's audio, the captions task RUNNING). The captions must still end READY, as attempt 2,
 * with exactly one VTT and one transcript in `video_artifacts` and in storage, and the job
 * stays READY. The real pieces: `npm run worker` as child processes serving captions only, the
 * real CLI and Whisper base, the offline Convex backend with a short lease; the next worker's
 * subscription wakes it when the dead worker's lease ends.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../../../convex/_generated/api";
import { artifactKey } from "../../../convex/lib/artifactKinds";
import { drainQueue } from "../claimLoop";
import { runFfmpeg } from "../pipeline/ffmpegBinaries";
import { createStackS3Client, guestToken, startLocalStack, uploadVideoAsGuest, type LocalStack } from "../testing/localStack";
import { startLocalWorkerProcess, type LocalWorkerProcess } from "../testing/localWorkerProcess";
import { createWorkerApiClient } from "../workerApiClient";
import { pollUntil } from "../testing/pollUntil";

const LEASE_SECONDS = 5;
const SPEECH = [
  "We upload our videos every week and share the best moments with our friends.",
  "Please call me back tomorrow morning when you have time to talk about the new project.",
].join(" ");

let stack: LocalStack;
let s3: S3Client;
let workRoot: string;
let video: string;
const workers: LocalWorkerProcess[] = [];

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(tmpdir(), "reeldrop-captions-kill-drill-"));
  const speech = path.join(workRoot, "speech.wav");
  await promisify(execFile)("espeak-ng", ["-v", "en-us", "-s", "150", "-w", speech, SPEECH]);
  video = path.join(workRoot, "spoken.mp4");
  // ffmpeg: a small flat picture with the speech after a second of silence.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", "color=c=0x203040:size=320x180:rate=25:duration=13", "-i", speech],
    ...["-filter_complex", "[1:a]adelay=1000:all=1,apad,aresample=44100[a]", "-map", "0:v", "-map", "[a]", "-t", "13"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", video],
  ]);
  stack = await startLocalStack({ WORKER_LEASE_SECONDS: String(LEASE_SECONDS), WORKER_RETRY_BASE_SECONDS: "1" });
  s3 = createStackS3Client(stack);
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await transcribersIn(workRoot, true);
  s3?.destroy();
  await stack?.stop();
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

function startCaptionsWorker(): LocalWorkerProcess {
  const worker = startLocalWorkerProcess(stack, { TMPDIR: workRoot, WORKER_KINDS: "captions" });
  workers.push(worker);
  return worker;
}

/** The transcription CLIs working on audio under `root` (their `--audio` is in a task's folder); killed when `kill`. */
async function transcribersIn(root: string | undefined, kill = false): Promise<number[]> {
  if (!root) return [];
  const found: number[] = [];
  for (const pid of (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry))) {
    const command = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (command.includes("captions.transcribe") && command.some((arg) => arg.startsWith(root))) found.push(Number(pid));
  }
  if (kill) for (const pid of found) process.kill(pid, "SIGKILL");
  return found;
}

test("a worker SIGKILLed while transcribing: the captions still end READY, attempt 2, each artifact once", { timeout: 240_000 }, async () => {
  const owner = new ConvexHttpClient(stack.endpoints.convexUrl);
  owner.setAuth(await guestToken(stack.endpoints.convexUrl));
  const jobId = await uploadVideoAsGuest(owner, video);
  const api_ = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
  const quiet = { info() {}, warn() {} };
  expect(await drainQueue({ api: api_, log: quiet, shutdownSignal: new AbortController().signal, workerId: "processor", concurrency: 1, kinds: ["process"] })).toEqual(["ready"]);
  expect(await owner.query(api.captions.forJob, { jobId })).toMatchObject({ status: "QUEUED" });

  const first = startCaptionsWorker();
  // The CLI running on the task's audio: kill the worker there.
  const cli = await pollUntil("the transcription CLI", async () => {
    const pids = await transcribersIn(workRoot);
    return pids.length > 0 ? pids : undefined;
  }, 90_000);
  first.child.kill("SIGKILL");
  await first.exited;
  expect(await owner.query(api.captions.forJob, { jobId })).toMatchObject({ status: "TRANSCRIBING" });
  expect((await owner.query(api.artifacts.listForJob, { jobId }))!.filter((a) => a.kind === "captions_vtt" || a.kind === "transcript")).toEqual([]);
  // A SIGKILL runs no cleanup: its CLI lives on as an orphan until killed (the CLI's own
  // short-lived helpers, seen once in the first look, may be gone by now).
  const orphans = await transcribersIn(workRoot, true);
  expect(orphans.length).toBeGreaterThan(0);
  for (const pid of orphans) expect(cli).toContain(pid);

  startCaptionsWorker();
  const done = await pollUntil("the captions to end", async () => {
    const view = await owner.query(api.captions.forJob, { jobId });
    return view?.status === "READY" || view?.status === "FAILED" ? view : undefined;
  }, 150_000);
  expect(done).toMatchObject({ status: "READY", speech: true, language: "en" });

  const artifacts = (await owner.query(api.artifacts.listForJob, { jobId }))!.filter((a) => a.kind === "captions_vtt" || a.kind === "transcript");
  expect(artifacts.map((a) => `${a.kind}/${a.index}`).sort()).toEqual(["captions_vtt/0", "transcript/0"]);
  for (const artifact of artifacts) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.endpoints.bucket, Key: artifactKey(jobId, artifact.kind, 0) }));
    expect(head.ContentLength).toBe(artifact.bytes);
  }
  expect((await owner.query(api.jobs.get, { jobId }))!.status).toBe("READY");
  const log = workers[1]!.log();
  expect(log).toContain('"event":"task claimed"');
  expect(log).toContain('"attempt":2');
});
