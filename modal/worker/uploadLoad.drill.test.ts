// @vitest-environment node
/**
 * Drill (issue 18), load: 20 jobs uploaded at once by the real upload engine while 100 live
 * subscriptions watch them, each on its own connection with its own token; a real
 * `npm run worker` process takes every job to READY.
 *
 * - **Who watches.** A user only ever reads their own jobs (another user's job reads as
 *   missing), so the 100 subscribers are 20 owners × 5 connections. Each owner is a guest who
 *   signs in once; Convex Auth's Anonymous provider makes a new user on every sign-in, so the
 *   owner's other tokens come from exchanging the session's refresh token (as a client does
 *   before its token expires): 6 distinct JWTs per owner, one for the connection that uploads
 *   and one for each subscriber (`testing/sessionTokens.ts`). The offline backend runs a query
 *   once per token, so every subscriber's `jobs.get` is evaluated and pushed on its own. As a
 *   control, every job reads as missing to another owner.
 * - **How it uploads.** `src/lib/upload/core`'s engine with the real Convex adapter over the
 *   owner's `ConvexClient` (a WebSocket, as the page's), real CRC32C checksums, and a `fetch`
 *   transport that makes the XHR transport's PUTs (`testing/engineUpload.ts`). A quarter of the
 *   jobs upload a 2-part file (over 8 MiB), the rest a 1-part one.
 * - **What each subscriber must see.** The statuses `ConvexClient.onUpdate(jobs.get)` delivers
 *   are a strictly forward walk of the job state machine (`convex/lib/jobStatus.ts`: every step
 *   a path through the transition table, no status twice, an ordered part of the job's real
 *   timeline), never a missing job, and READY at the end.
 * - **Lost.** Each job is also read with one-shot queries (`ConvexHttpClient`, no subscription)
 *   every second; a subscriber that has not seen READY within 5 s of the job reading READY is
 *   lost, reported and asserted at that moment: a dropped push fails the drill within seconds of
 *   the job's READY, not at a timeout. The counts are asserted again at the end.
 *
 * Fault that makes it fail (`DRILL_FAULT`): `drop-push` gives one subscriber a WebSocket that
 * loses the one Transition carrying its job's READY (`testing/droppingWebSocket.ts`): lost 1.
 * Network: 127.0.0.1 only (the local stack: offline Convex backend, embedded S3).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { WebSocket } from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { ArtifactKind } from "../../convex/lib/artifactKinds";
import { HAPPY_PATH, JOB_STATUSES, nextStatuses, type JobStatus } from "../../convex/lib/jobStatus";
import { computePartPlan } from "../../convex/lib/partPlan";
import { runFfmpeg } from "./pipeline/ffmpegBinaries";
import { droppingWebSocket, type DroppingWebSocket, type ServerMessage } from "./testing/droppingWebSocket";
import { confirmAndUpload, createJob, type EngineUpload } from "./testing/engineUpload";
import { createTestVideoLibrary, type TestVideoLibrary } from "./testing/generateTestVideos";
import { startLocalStack, type LocalStack } from "./testing/localStack";
import { startLocalWorkerProcess, type LocalWorkerProcess } from "./testing/localWorkerProcess";
import { guestWithTokens, type GuestTokens } from "./testing/sessionTokens";

const JOBS = 20;
const SUBSCRIBERS_PER_JOB = 5;
/** Jobs (every fourth) that upload the file of more than one part. */
const isMultipartJob = (job: number) => job % 4 === 0;
const TRUTH_POLL_MS = 1_000;
/** A subscriber that has not seen READY this long after a one-shot query read it is lost. */
const LOST_GRACE_MS = 5_000;
/**
 * A stuck worker: no job read READY for this long while some wait. Not the lost check (that is
 * per subscriber, 5 s); the worker takes 20 jobs two at a time, 3–20 s of FFmpeg each on 2 busy
 * cores, so the whole drill's length depends on the machine's load, its progress does not.
 */
const NO_PROGRESS_WITHIN_MS = 60_000;
const FIRST_VALUE_WITHIN_MS = 20_000;
const FAULT = process.env.DRILL_FAULT ?? "";
/** What processing a video with sound makes, in alphabetical order (kinds a user requests later are not among them). */
const PROCESSING_ARTIFACT_KINDS: readonly ArtifactKind[] = ["audio", "clip", "clip_poster", "poster", "preview", "storyboard", "storyboard_vtt", "thumbnail"];
/** The subscriber the `drop-push` fault takes READY from: owner 7's third connection. */
const FAULTED = { job: 7, connection: 2 };

const log = (line: string) => console.log(`[drill upload-load] ${line}`);

let stack: LocalStack;
let videos: TestVideoLibrary;
let worker: LocalWorkerProcess | undefined;
let files: { onePart: string; multipart: string };
const connections: ConvexClient[] = [];

/** 1 s of lossless noise at 640×360 (about 10 MiB: 2 parts of the server's 8 MiB plan), with audio. */
async function generateMultipartVideo(folder: string): Promise<string> {
  const output = path.join(folder, "noise-2-parts.mp4");
  // ffmpeg: per-pixel random luma (incompressible), x264 lossless, a 440 Hz tone, index first.
  await runFfmpeg([
    ...["-y", "-f", "lavfi", "-i", "nullsrc=size=640x360:rate=30:duration=1,geq=random(1)*255:128:128"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:duration=1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-shortest", "-movflags", "+faststart", output],
  ]);
  return output;
}

beforeAll(async () => {
  [stack, videos] = await Promise.all([startLocalStack(), createTestVideoLibrary()]);
  const onePart = await videos.path("oneSecond");
  const multipart = await generateMultipartVideo(path.dirname(onePart));
  files = { onePart, multipart };
  worker = startLocalWorkerProcess(stack, { WORKER_CONCURRENCY: "2" });
  await worker.started;
}, 120_000);

afterAll(async () => {
  await Promise.all(connections.splice(0).map((client) => client.close()));
  if (worker) {
    worker.child.kill("SIGTERM");
    await worker.exited;
  }
  await Promise.all([stack?.stop(), videos?.dispose()]);
}, 60_000);

function connect(token: string, webSocketConstructor: typeof globalThis.WebSocket): ConvexClient {
  const client = new ConvexClient(stack.endpoints.convexUrl, { webSocketConstructor, logger: false, unsavedChangesWarning: false });
  connections.push(client);
  client.setAuth(async () => token);
  return client;
}

const plainWebSocket = WebSocket as unknown as typeof globalThis.WebSocket;

/** Whether a server message is a Transition that delivers a job at READY. */
function carriesReady(message: ServerMessage): boolean {
  if (message.type !== "Transition" || !Array.isArray(message.modifications)) return false;
  return (message.modifications as Array<{ type?: string; value?: { status?: unknown } | null }>).some(
    (modification) => modification.type === "QueryUpdated" && modification.value?.status === "READY",
  );
}

/** One subscription on its own connection, and what it received. */
type Subscriber = {
  name: string;
  job: number;
  jobId: Id<"video_jobs">;
  /** Each status `jobs.get` delivered that differs from the one before, with when it arrived. */
  walk: Array<{ status: JobStatus; at: number }>;
  updates: number;
  /** Deliveries of null: the job read as missing to its own owner. */
  missing: number;
  errors: string[];
  firstValue: Promise<void>;
};

function subscribe(name: string, job: number, jobId: Id<"video_jobs">, token: string, socket: typeof globalThis.WebSocket): Subscriber {
  let gotFirst!: () => void;
  const subscriber: Subscriber = {
    name,
    job,
    jobId,
    walk: [],
    updates: 0,
    missing: 0,
    errors: [],
    firstValue: new Promise<void>((resolve) => (gotFirst = resolve)),
  };
  connect(token, socket).onUpdate(
    api.jobs.get,
    { jobId },
    (value) => {
      subscriber.updates += 1;
      if (value === null) return void (subscriber.missing += 1);
      gotFirst();
      if (value.status !== subscriber.walk.at(-1)?.status) subscriber.walk.push({ status: value.status, at: Date.now() });
    },
    (error) => void subscriber.errors.push(error.message),
  );
  return subscriber;
}

/** Statuses reachable from `from` in one or more steps of the transition table. */
function reachable(from: JobStatus): Set<JobStatus> {
  const seen = new Set<JobStatus>();
  const frontier = [...nextStatuses(from)];
  while (frontier.length > 0) {
    const status = frontier.pop()!;
    if (seen.has(status)) continue;
    seen.add(status);
    frontier.push(...nextStatuses(status));
  }
  return seen;
}
const REACHABLE = new Map(JOB_STATUSES.map((status) => [status, reachable(status)]));

/** Why a walk is not a strictly forward walk of the state machine along the job's timeline, or null. */
function walkProblem(walk: readonly JobStatus[], timeline: readonly JobStatus[]): string | null {
  if (walk.length === 0) return "no status at all";
  if (new Set(walk).size !== walk.length) return `a status came back: ${walk.join(" → ")}`;
  for (let i = 1; i < walk.length; i++) {
    if (!REACHABLE.get(walk[i - 1]!)!.has(walk[i]!)) return `${walk[i - 1]} → ${walk[i]} is not a path of the transition table`;
  }
  let matched = 0;
  for (const status of timeline) if (matched < walk.length && walk[matched] === status) matched++;
  if (matched !== walk.length) return `${walk.join(" → ")} is not an ordered part of the job's timeline ${timeline.join(" → ")}`;
  return null;
}

type JobRun = {
  job: number;
  owner: GuestTokens;
  jobId: Id<"video_jobs">;
  file: string;
  upload: EngineUpload;
  uploadedAt: number;
  /** When a one-shot query first read READY. */
  readyAt: number;
  subscribers: Subscriber[];
  /** The subscribers found lost, each with what it last saw. */
  lost: string[];
};

async function asFile(filePath: string) {
  const { mtimeMs } = await stat(filePath);
  return new File([await readFile(filePath)], path.basename(filePath), { type: "video/mp4", lastModified: Math.floor(mtimeMs) });
}

/** When a job last read READY or finished uploading: the watchdog's reference. */
let lastProgressAt = 0;

/** Reads the job with one-shot queries until READY (FAILED or a stalled worker throw). */
async function untilReadyByQuery(reader: ConvexHttpClient, jobId: Id<"video_jobs">): Promise<number> {
  for (;;) {
    const job = await reader.query(api.jobs.get, { jobId });
    if (job?.status === "READY") return (lastProgressAt = Date.now());
    if (job?.status === "FAILED") throw new Error(`job ${jobId} FAILED: ${JSON.stringify(job.failure)}`);
    if (Date.now() - lastProgressAt > NO_PROGRESS_WITHIN_MS) {
      const workerLog = worker?.log().trim().split("\n").slice(-15).join("\n") ?? "";
      throw new Error(`job ${jobId} still ${job?.status ?? "missing"} and no job READY in ${NO_PROGRESS_WITHIN_MS / 1000} s; the worker's last lines:\n${workerLog}`);
    }
    await new Promise((resolve) => setTimeout(resolve, TRUTH_POLL_MS));
  }
}

async function runJob(job: number, owner: GuestTokens, fault: DroppingWebSocket | null): Promise<JobRun> {
  const [uploaderToken, ...subscriberTokens] = owner.tokens;
  const uploader = connect(uploaderToken!, plainWebSocket);
  const reader = new ConvexHttpClient(stack.endpoints.convexUrl, { logger: false });
  reader.setAuth(uploaderToken!);
  const jobId = await createJob(uploader);
  const subscribers = subscriberTokens.map((token, connection) => {
    const faulted = fault !== null && job === FAULTED.job && connection === FAULTED.connection;
    return subscribe(`job ${job} connection ${connection}`, job, jobId, token, faulted ? fault.constructor : plainWebSocket);
  });
  // Every subscriber is live before the upload starts.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const noFirstValue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`job ${job}: a subscriber had no first value within ${FIRST_VALUE_WITHIN_MS / 1000} s`)), FIRST_VALUE_WITHIN_MS);
  });
  await Promise.race([Promise.all(subscribers.map((s) => s.firstValue)), noFirstValue]).finally(() => clearTimeout(timer));

  const file = isMultipartJob(job) ? files.multipart : files.onePart;
  const upload = await confirmAndUpload(uploader, jobId, await asFile(file));
  const uploadedAt = (lastProgressAt = Date.now());
  const readyAt = await untilReadyByQuery(reader, jobId);
  const run: JobRun = { job, owner, jobId, file, upload, uploadedAt, readyAt, subscribers, lost: [] };
  // The grace runs from the READY the query read; whoever has not seen it by then is lost.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, readyAt + LOST_GRACE_MS - Date.now())));
  for (const subscriber of subscribers) {
    const last = subscriber.walk.at(-1);
    if (last?.status === "READY") continue;
    const report =
      `${subscriber.name} (job ${jobId}): last saw ${last?.status ?? "nothing"}` +
      `${last ? ` ${((readyAt - last.at) / 1000).toFixed(1)} s before` : ""} the query read READY, nothing in the ${LOST_GRACE_MS / 1000} s since`;
    run.lost.push(report);
    log(`LOST ${report}`);
  }
  // Fails the drill now, seconds after the job's READY, not once every other job is done.
  expect(run.lost, "subscribers that did not see READY within the grace").toEqual([]);
  return run;
}

describe("drill upload-load", () => {
  test(
    `${JOBS} jobs uploaded by the engine, ${JOBS * SUBSCRIBERS_PER_JOB} subscribers on their own connections and tokens: every walk forward to READY, none lost`,
    { timeout: 300_000 },
    async () => {
      const startedAt = Date.now();
      const { convexUrl } = stack.endpoints;
      let dropped = 0;
      const fault: DroppingWebSocket | null =
        FAULT === "drop-push" ? droppingWebSocket((message) => dropped === 0 && carriesReady(message) && ++dropped === 1) : null;
      if (FAULT !== "" && fault === null) throw new Error(`Unknown DRILL_FAULT ${FAULT} (drop-push)`);

      const owners = await Promise.all(Array.from({ length: JOBS }, () => guestWithTokens(convexUrl, 1 + SUBSCRIBERS_PER_JOB)));
      const signedInAt = Date.now();
      const runs = await Promise.all(owners.map((owner, job) => runJob(job, owner, fault)));
      const doneAt = Date.now();

      // The truth after everything settled, read by each owner; and each job read by another owner.
      const readers = owners.map((owner) => {
        const reader = new ConvexHttpClient(convexUrl, { logger: false });
        reader.setAuth(owner.tokens[0]!);
        return reader;
      });
      const truth = await Promise.all(
        runs.map(async (run) => {
          const [job, timeline, artifacts, asOtherOwner] = await Promise.all([
            readers[run.job]!.query(api.jobs.get, { jobId: run.jobId }),
            readers[run.job]!.query(api.jobs.timeline, { jobId: run.jobId }),
            readers[run.job]!.query(api.artifacts.listForJob, { jobId: run.jobId }),
            readers[(run.job + 1) % JOBS]!.query(api.jobs.get, { jobId: run.jobId }),
          ]);
          return { run, job, timeline: (timeline ?? []).map((event) => event.to), artifacts: artifacts ?? [], asOtherOwner };
        }),
      );

      const subscribers = runs.flatMap((run) => run.subscribers);
      const timelineOf = new Map(truth.map(({ run, timeline }) => [run.jobId, timeline]));
      const walkProblems = subscribers.flatMap((s) => {
        const problem = walkProblem(
          s.walk.map((step) => step.status),
          timelineOf.get(s.jobId)!,
        );
        return problem === null ? [] : [`${s.name}: ${problem}`];
      });
      const lost = runs.flatMap((run) => run.lost);
      const artifactKeys = (artifacts: (typeof truth)[number]["artifacts"]) => artifacts.map((a) => `${a.kind}/${a.index}`).sort();
      const keysByFile = new Map<string, string>();
      const artifactProblems = truth.flatMap(({ run, artifacts }) => {
        const keys = artifactKeys(artifacts);
        const problems: string[] = [];
        if (new Set(keys).size !== keys.length) problems.push(`job ${run.job}: an artifact twice: ${keys.join(" ")}`);
        const kinds = [...new Set(artifacts.map((a) => a.kind))].sort();
        if (kinds.join(" ") !== PROCESSING_ARTIFACT_KINDS.join(" ")) problems.push(`job ${run.job}: kinds ${kinds.join(" ")}`);
        // The same file makes the same artifacts.
        const expected = keysByFile.get(run.file) ?? keys.join(" ");
        keysByFile.set(run.file, expected);
        if (keys.join(" ") !== expected) problems.push(`job ${run.job}: ${keys.join(" ")} where the same file made ${expected}`);
        return problems;
      });
      const fileSizes = new Map(await Promise.all(Object.values(files).map(async (f) => [f, (await stat(f)).size] as const)));
      const readyToSeen = subscribers.flatMap((s) => {
        const ready = s.walk.find((step) => step.status === "READY");
        return ready ? [ready.at - runs[s.job]!.readyAt] : [];
      });
      const tokens = owners.flatMap((owner) => owner.tokens);

      const figures = {
        jobs: runs.length,
        owners: new Set(owners.map((owner) => owner.subject.split("|")[0])).size,
        subscribers: subscribers.length,
        distinctTokens: new Set(tokens).size,
        ready: truth.filter(({ job }) => job?.status === "READY").length,
        happyPathTimelines: truth.filter(({ timeline }) => timeline.join() === HAPPY_PATH.join()).length,
        readAsMissingByAnotherOwner: truth.filter(({ asOtherOwner }) => asOtherOwner === null).length,
        uploadsDone: runs.filter(({ upload }) => upload.snapshot.status === "done" && upload.snapshot.partsConfirmed === upload.snapshot.partsTotal).length,
        partsUploaded: runs.reduce((sum, { upload }) => sum + upload.snapshot.partsConfirmed, 0),
        multipartUploads: runs.filter(({ upload }) => upload.snapshot.partsTotal >= 2).length,
        bytesEqualFiles: runs.filter(({ upload, file }) => upload.transport.bytesAccepted === fileSizes.get(file)).length,
        partPutsRetried: runs.reduce((sum, { upload }) => sum + [...upload.transport.answersByStatus].filter(([status]) => status >= 300).reduce((n, [, c]) => n + c, 0), 0),
        validWalks: subscribers.length - walkProblems.length,
        walksOfAllSevenStatuses: subscribers.filter((s) => s.walk.length === HAPPY_PATH.length).length,
        seenReady: subscribers.filter((s) => s.walk.at(-1)?.status === "READY").length,
        lost: lost.length,
        missingDeliveries: subscribers.reduce((sum, s) => sum + s.missing, 0),
        subscriptionErrors: subscribers.reduce((sum, s) => sum + s.errors.length, 0),
        updates: subscribers.reduce((sum, s) => sum + s.updates, 0),
        jobsWithEachArtifactOnce: JOBS - new Set(artifactProblems.map((p) => p.split(":")[0])).size,
        artifactsPerJob: Object.fromEntries([...keysByFile].map(([f, keys]) => [path.basename(f), keys.split(" ").length])),
        pushesDroppedByFault: fault?.dropped.length ?? 0,
        readySeenVsQueryMs: readyToSeen.length > 0 ? { min: Math.min(...readyToSeen), max: Math.max(...readyToSeen) } : null,
        signInSeconds: +((signedInAt - startedAt) / 1000).toFixed(1),
        lastUploadSeconds: +((Math.max(...runs.map((r) => r.uploadedAt)) - startedAt) / 1000).toFixed(1),
        lastReadySeconds: +((Math.max(...runs.map((r) => r.readyAt)) - startedAt) / 1000).toFixed(1),
        totalSeconds: +((doneAt - startedAt) / 1000).toFixed(1),
      };
      log(JSON.stringify(figures));
      log(`${figures.jobs} jobs, ${figures.subscribers} subscribers, ${figures.ready} READY, ${figures.validWalks} valid walks, ${figures.lost} lost`);

      expect(figures.multipartUploads, "files of more than one part were uploaded").toBeGreaterThanOrEqual(1);
      expect(computePartPlan(fileSizes.get(files.multipart)!).partCount).toBeGreaterThanOrEqual(2);
      expect(lost, "subscribers that did not see READY within the grace").toEqual([]);
      expect(walkProblems).toEqual([]);
      expect(artifactProblems).toEqual([]);
      expect(subscribers.flatMap((s) => s.errors.map((e) => `${s.name}: ${e}`))).toEqual([]);
      expect(figures).toMatchObject({
        jobs: JOBS,
        owners: JOBS,
        subscribers: JOBS * SUBSCRIBERS_PER_JOB,
        distinctTokens: JOBS * (1 + SUBSCRIBERS_PER_JOB),
        ready: JOBS,
        happyPathTimelines: JOBS,
        readAsMissingByAnotherOwner: JOBS,
        uploadsDone: JOBS,
        bytesEqualFiles: JOBS,
        validWalks: JOBS * SUBSCRIBERS_PER_JOB,
        seenReady: JOBS * SUBSCRIBERS_PER_JOB,
        lost: 0,
        missingDeliveries: 0,
        subscriptionErrors: 0,
        jobsWithEachArtifactOnce: JOBS,
      });
    },
  );
});
