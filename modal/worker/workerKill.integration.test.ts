// @vitest-environment node
/**
 * Drill: the worker process is SIGKILLed during the download, during FFmpeg and during the
 * artifact upload. Each job must still end READY with every artifact exactly once, in
 * `video_artifacts` and in storage, after a retry (attempt 2).
 *
 * The real pieces: `npm run worker` as a child process, the offline Convex backend, s3rver
 * behind a slow-down proxy (`testing/throttlingS3Proxy.ts`) so that the download and the
 * upload last long enough to be hit. The phase is read from the job's live progress stage
 * (a Convex subscription as the owner), the proxy's view of the download, the recorded
 * artifacts and the ffmpeg processes running in the job's work folder.
 *
 * Recovery: a short lease (WORKER_LEASE_SECONDS) and retry backoff (WORKER_RETRY_BASE_SECONDS).
 * The next worker's subscription to `nextClaimableAt` wakes it when the dead worker's lease
 * ends; its claim releases the job (PROCESSING → UPLOADED, `worker_lost`) and, after the
 * backoff, claims it again — no waiting for the once-a-minute sweep.
 *
 * A SIGKILL runs no cleanup: the job's temporary folder stays behind, and an ffmpeg the worker
 * had started keeps running as an orphan. The drill records both and removes them.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import type { FunctionReturnType } from "convex/server";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { JOB_ARTIFACT_KINDS, artifactKey } from "../../convex/lib/artifactKinds";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { createStackS3Client, guestToken, startLocalStack, uploadVideoAsGuest, type LocalStack } from "./testing/localStack";
import { startLocalWorkerProcess, type LocalWorkerProcess } from "./testing/localWorkerProcess";
import { pollUntil } from "./testing/pollUntil";
import { ffmpegProcessesIn } from "./testing/runningProcesses";
import { startThrottlingS3Proxy, type ThrottlingS3Proxy } from "./testing/throttlingS3Proxy";

const LEASE_SECONDS = 5;
const RETRY_BASE_SECONDS = 1;
/**
 * FFmpeg runs in the stages stills, scan and clips; the kill waits for scan (the full decode,
 * the longest) or clips, so that it lands mid-encode rather than in the short stills run.
 */
const FFMPEG_KILL_STAGES = ["scan", "clips"];

type Job = NonNullable<FunctionReturnType<typeof api.jobs.get>>;
type Artifact = NonNullable<FunctionReturnType<typeof api.artifacts.listForJob>>[number];
type Phase = "download" | "ffmpeg" | "upload";

let proxy: ThrottlingS3Proxy;
let stack: LocalStack;
let videos: TestVideoLibrary;
let s3: S3Client;
/** The workers' TMPDIR: every job's work folder lands here (and tsx's cache, shared by them). */
let workRoot: string;
const workers: LocalWorkerProcess[] = [];
const watchers: ConvexClient[] = [];

beforeAll(async () => {
  proxy = await startThrottlingS3Proxy();
  [stack, videos, workRoot] = await Promise.all([
    startLocalStack({
      R2_ENDPOINT: proxy.url,
      WORKER_LEASE_SECONDS: String(LEASE_SECONDS),
      WORKER_RETRY_BASE_SECONDS: String(RETRY_BASE_SECONDS),
    }),
    createTestVideoLibrary(),
    mkdtemp(path.join(tmpdir(), "reeldrop-kill-drill-")),
  ]);
  proxy.setUpstream(stack.endpoints.s3Endpoint);
  s3 = createStackS3Client(stack);
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await killOrphans();
  await Promise.all(watchers.map((client) => client.close()));
  s3?.destroy();
  await Promise.all([stack?.stop(), videos?.dispose(), proxy?.close()]);
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

function startWorker(): LocalWorkerProcess {
  const worker = startLocalWorkerProcess(stack, { TMPDIR: workRoot });
  workers.push(worker);
  return worker;
}

/** The owner's live view of a job and its artifacts, through Convex subscriptions. */
type JobWatch = {
  job(): Job | null;
  artifacts(): readonly Artifact[];
  until(what: string, ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
};

async function watchJob(token: string, jobId: Id<"video_jobs">): Promise<JobWatch> {
  const client = new ConvexClient(stack.endpoints.convexUrl, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  watchers.push(client);
  client.setAuth(async () => token);
  let job: Job | null = null;
  let artifacts: readonly Artifact[] = [];
  let waiters: Array<() => void> = [];
  const changed = () => {
    const current = waiters;
    waiters = [];
    for (const wake of current) wake();
  };
  client.onUpdate(api.jobs.get, { jobId }, (value) => ((job = value), changed()));
  client.onUpdate(api.artifacts.listForJob, { jobId }, (value) => ((artifacts = value ?? []), changed()));
  return {
    job: () => job,
    artifacts: () => artifacts,
    async until(what, ready, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await ready())) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}; job: ${JSON.stringify(job)}`);
        // Subscriptions push changes; the short tick also lets checks outside Convex run.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 20));
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
    },
  };
}

/** The job's work folder under `workRoot` (the worker names it `reeldrop-<jobId>-…`). */
async function workFolderOf(jobId: string): Promise<string | undefined> {
  const entry = (await readdir(workRoot)).find((name) => name.startsWith(`reeldrop-${jobId}-`));
  return entry === undefined ? undefined : path.join(workRoot, entry);
}

/** ffmpeg/ffprobe processes working in a job's folder or its `artifacts` folder (the pipeline's cwd). */
async function ffmpegProcessesInJobFolder(folder: string): Promise<number[]> {
  return [...(await ffmpegProcessesIn(folder)), ...(await ffmpegProcessesIn(path.join(folder, "artifacts")))];
}

async function killOrphans(): Promise<number> {
  if (!workRoot) return 0;
  const folders = (await readdir(workRoot).catch(() => [] as string[])).filter((name) => name.startsWith("reeldrop-"));
  let killed = 0;
  for (const folder of folders) {
    for (const pid of await ffmpegProcessesInJobFolder(path.join(workRoot, folder))) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Already gone.
      }
    }
  }
  return killed;
}

type KillReport = {
  phase: Phase;
  jobId: Id<"video_jobs">;
  at: string;
  artifactsBeforeKill: readonly Artifact[];
  orphanFfmpeg: number;
  leftoverFolder: boolean;
};

/**
 * Uploads a video as a new guest while `worker` is running, SIGKILLs the worker in `phase`,
 * cleans up what the kill left behind, then starts the next worker, which must take the job
 * over. Returns the new worker, the owner's watch and what was seen at the kill.
 */
async function killDuring(phase: Phase, worker: LocalWorkerProcess) {
  const video = await videos.path("landscapeWithCuts");
  const sourceBytes = (await stat(video)).size;
  const token = await guestToken(stack.endpoints.convexUrl);
  const owner = new ConvexHttpClient(stack.endpoints.convexUrl);
  owner.setAuth(token);
  let watch: JobWatch | undefined;
  if (phase === "download") proxy.slowDown({ sourceBytesPerSecond: Math.ceil(sourceBytes / 4) });
  if (phase === "upload") proxy.slowDown({ artifactPutDelayMs: 400 });
  const downloadsBefore = proxy.sourceDownloads().length;

  const jobId = await uploadVideoAsGuest(owner, video, undefined, {
    afterCreate: async (id) => void (watch = await watchJob(token, id)),
  });
  const stage = () => (watch!.job()?.status === "PROCESSING" ? watch!.job()?.progress?.stage : undefined);
  let at = "";
  if (phase === "download") {
    // The job says "download" and the proxy has sent part, not all, of the source.
    await watch!.until("the download", () => {
      const current = proxy.sourceDownloads()[downloadsBefore];
      if (stage() !== "download" || current === undefined || current.finished || current.bytesSent === 0) return false;
      at = `${Math.round((100 * current.bytesSent) / sourceBytes)}% of the source`;
      return true;
    }, 60_000);
  } else if (phase === "ffmpeg") {
    // The job is in an FFmpeg stage and an ffmpeg runs in its work folder.
    await watch!.until("an ffmpeg process", async () => {
      const current = stage();
      if (current === undefined || !FFMPEG_KILL_STAGES.includes(current)) return false;
      const folder = await workFolderOf(jobId);
      if (folder === undefined || (await ffmpegProcessesInJobFolder(folder)).length === 0) return false;
      at = `stage ${current}`;
      return true;
    }, 60_000);
  } else {
    await watch!.until("the second recorded artifact", () => watch!.artifacts().length >= 2, 60_000);
  }
  worker.child.kill("SIGKILL");
  const artifactsBeforeKill = [...watch!.artifacts()];
  if (phase === "upload") at = `after ${artifactsBeforeKill.length} recorded artifacts`;
  expect((await worker.exited).signal).toBe("SIGKILL");
  proxy.slowDown({});
  // The next worker starts at once: its start-up overlaps the dead worker's lease.
  const next = startWorker();

  // What a SIGKILL leaves behind: no `finally` ran, and ffmpeg was not killed with its parent.
  const folder = await workFolderOf(jobId);
  const orphans = folder === undefined ? [] : await ffmpegProcessesInJobFolder(folder);
  for (const pid of orphans) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // It ended between the scan and the kill.
    }
  }
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  const report: KillReport = {
    phase,
    jobId,
    at,
    artifactsBeforeKill,
    orphanFfmpeg: orphans.length,
    leftoverFolder: folder !== undefined,
  };

  await next.started;
  await watch!.until("READY", () => watch!.job()?.status === "READY", 60_000);
  return { next, owner, report };
}

async function checkJob(
  owner: ConvexHttpClient,
  worker: LocalWorkerProcess,
  report: KillReport,
) {
  const { jobId } = report;
  const job = (await owner.query(api.jobs.get, { jobId }))!;
  expect(job).toMatchObject({ status: "READY", attempt: 2 });
  const timeline = (await owner.query(api.jobs.timeline, { jobId }))!;
  const sinceUpload = timeline.slice(timeline.findIndex((e) => e.to === "UPLOADED"));
  expect(sinceUpload.map((e) => `${e.from} → ${e.to}${e.detail ? ` (${e.detail})` : ""}`)).toEqual([
    expect.stringMatching(/^UPLOADING → UPLOADED/),
    "UPLOADED → PROCESSING (attempt 1)",
    "PROCESSING → UPLOADED (retry after worker_lost)",
    "UPLOADED → PROCESSING (attempt 2)",
    "PROCESSING → READY",
  ]);
  type LogEntry = { event?: string; jobId?: string; attempt?: number; artifacts?: number };
  const workerLog = () =>
    worker
      .log()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogEntry);
  // The set the successful run produced, from its own log. The worker writes "job ready" once
  // Convex has taken the completion, so the subscription can see READY before the line arrives.
  const ready = await pollUntil(
    "the next worker's \"job ready\" log line",
    async () => workerLog().find((entry) => entry.event === "job ready" && entry.jobId === jobId),
    10_000,
  );
  // Taken over by the next worker process (its own log claims it, as attempt 2), not finished by the killed one.
  expect(workerLog().filter((entry) => entry.event === "job claimed" && entry.jobId === jobId).map((entry) => entry.attempt)).toEqual([2]);
  expect(ready.artifacts).toBeGreaterThan(0);
  const expectedCount = ready.artifacts!;

  const artifacts = (await owner.query(api.artifacts.listForJob, { jobId }))!;
  const keys = artifacts.map((a) => `${a.kind}/${a.index}`);
  const unique = new Set(keys);
  const duplicates = keys.length - unique.size;
  expect(duplicates).toBe(0);
  expect(new Set(artifacts.map((a) => a.kind))).toEqual(new Set(JOB_ARTIFACT_KINDS));
  for (const kind of JOB_ARTIFACT_KINDS) {
    const indexes = artifacts.filter((a) => a.kind === kind).map((a) => a.index).sort((a, b) => a - b);
    expect(indexes).toEqual(indexes.map((_, i) => i));
  }
  // Rows recorded before the kill were updated in place, not recorded again.
  for (const before of report.artifactsBeforeKill) {
    expect(artifacts.find((a) => a._id === before._id)).toMatchObject({
      kind: before.kind,
      index: before.index,
      createdAt: before.createdAt,
    });
  }

  // Storage holds exactly the rows' objects of the job's own kinds (captions, a task of their
  // own, may land beside them), each with its row's size.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.endpoints.bucket, Prefix: `artifacts/${jobId}/` }));
  const jobKinds = new Set<string>(JOB_ARTIFACT_KINDS);
  const storedKeys = (listed.Contents ?? []).map((object) => object.Key!).filter((key) => jobKinds.has(key.split("/")[2]!));
  expect(storedKeys.sort()).toEqual(artifacts.map((a) => artifactKey(jobId, a.kind, a.index)).sort());
  let stored = 0;
  for (const artifact of artifacts) {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: stack.endpoints.bucket, Key: artifactKey(jobId, artifact.kind, artifact.index) }),
    );
    expect(head.ContentLength).toBe(artifact.bytes);
    stored++;
  }
  const lost = expectedCount - Math.min(unique.size, stored);
  expect(unique.size).toBe(expectedCount);
  return { artifacts: artifacts.length, duplicates, lost, keys: [...unique].sort() };
}

describe("drill: worker killed", { timeout: 170_000 }, () => {
  test("SIGKILL during download, FFmpeg and artifact upload: each job ends READY with each artifact exactly once", async () => {
    const startedAt = Date.now();
    let worker = startWorker();
    await worker.started;
    const totals = { kills: 0, ready: 0, artifacts: 0, duplicates: 0, lost: 0 };
    const reports: Array<KillReport & { artifacts: number; keys: string[] }> = [];
    for (const phase of ["download", "ffmpeg", "upload"] as const) {
      const dying = worker;
      const { next, owner, report } = await killDuring(phase, dying);
      totals.kills++;
      const counts = await checkJob(owner, next, report);
      reports.push({ ...report, artifacts: counts.artifacts, keys: counts.keys });
      totals.ready++;
      totals.artifacts += counts.artifacts;
      totals.duplicates += counts.duplicates;
      totals.lost += counts.lost;
      worker = next;
    }
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    // The three jobs are the same video, each killed at another point: the same artifacts, so
    // none of them can have lost one that its own worker's count also left out.
    expect(reports[1]!.keys).toEqual(reports[0]!.keys);
    expect(reports[2]!.keys).toEqual(reports[0]!.keys);

    const upload = reports.find((r) => r.phase === "upload")!;
    expect(upload.artifactsBeforeKill.length).toBeGreaterThan(0);
    expect(upload.artifactsBeforeKill.length).toBeLessThan(upload.artifacts);

    console.log(
      `drill worker-kill: ${totals.kills} kills injected (${reports.map((r) => `${r.phase}: ${r.at}`).join("; ")}), ` +
        `${totals.ready} jobs READY, ${totals.artifacts} artifacts, ${totals.duplicates} duplicates, ${totals.lost} lost; ` +
        `left by the kills: ${reports.reduce((n, r) => n + r.orphanFfmpeg, 0)} orphaned ffmpeg, ` +
        `${reports.filter((r) => r.leftoverFolder).length} work folders (removed); ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
  });
});
