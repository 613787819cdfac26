// @vitest-environment node
/**
 * Drill (issue 18): a power cut, twice. `npm run dev --offline --no-app` (the offline backend
 * keeping its data in the state folder, the embedded S3 server, the local worker with FFmpeg) is
 * killed whole — SIGKILL to the stack's process, every member of every child's process group
 * and the reaper, so no clean-up runs — first in the middle of a guest's multipart upload, then
 * while the worker processes the job, and restarted each time on the same state folder.
 *
 * Asserted, as measured values:
 * - after cut 1, the guest's token still works (the same user: `jobs.get` answers the job),
 *   and the job, its timeline, the upload session and the recorded parts read exactly as they
 *   did before the cut (what the mutations committed: the rights confirmation, every part
 *   report);
 * - the upload resumes as the browser's engine does, from what Convex recorded, sending only
 *   the parts not recorded (the PUTs are counted), and completes;
 * - after cut 2, the lost worker's lease runs out (`WORKER_LEASE_SECONDS`, passed through
 *   `npm run dev` to the functions), the job is claimed again and ends READY;
 * - 0 lost: the stored source is byte-identical to the file, each artifact is there once (in
 *   `artifacts.listForJob` and in the bucket, every kind), and the timeline is a walk of the
 *   state machine that keeps, as its beginning, everything it held at each cut.
 *
 * Faults that make it fail (`DRILL_FAULT`): `fresh` restarts after cut 1 with `--fresh` (the
 * data is gone: the job answers null to its owner); `drop-journal-tail` cuts the offline
 * backend's journal back to before the last commit that recorded a part, as a backend that
 * answered before its journal reached the disk would lose it (a recorded part is missing).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import type { FunctionReturnType } from "convex/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { artifactKey } from "../../convex/lib/artifactKinds";
import { crc32c, crc32cToBase64 } from "../../convex/lib/crc32c";
import { HAPPY_PATH } from "../../convex/lib/jobStatus";
import { computePartPlan, partRange } from "../../convex/lib/partPlan";
import { RIGHTS_STATEMENT } from "../../convex/lib/rightsStatement";
import { guestToken } from "../../modal/worker/testing/localStack";
import { killEverything, livingMembersOf, startDevCommand, waitForStackFile, type DevCommand } from "./devCommand.testing";
import type { StackEndpoints } from "./devStack";
import {
  PART_SIZE,
  cutThePower,
  processesOfStack,
  dropJournalFrom,
  readStoredObject,
  stackStorage,
  storedInFolder,
  timelineFaults,
  writePaddedVideo,
} from "./powerCut.testing";

const FAULT = process.env.DRILL_FAULT ?? "";
/** What processing a job makes, every kind of it (a 6 s video with sound has them all). */
const JOB_KINDS = ["audio", "clip", "clip_poster", "poster", "preview", "storyboard", "storyboard_vtt", "thumbnail"] as const;
/** Four parts: three of 8 MiB and a last one of 4 MiB. */
const FILE_BYTES = 3 * PART_SIZE + 4 * 1024 * 1024;
/** Parts sent and reported before cut 1; part 2 is sent too, but its report never goes out. */
const REPORTED_BEFORE_CUT = [1, 3];
const SENT_UNREPORTED_BEFORE_CUT = [2];
/** A short lease (a beat every 2 s) and retry backoff, so the lost claim comes back quickly. */
const SHELL_SETTINGS = {
  WORKER_LEASE_SECONDS: "6",
  WORKER_RETRY_BASE_SECONDS: "1",
  // What processing makes is counted here: no captions task's artifacts after READY.
  WORKER_KINDS: "process,clip",
  // Port 9 (discard) refuses connections: metadata is derived from the id at once, no network.
  OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed",
};

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-power-cut-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(existsSync(".env.local"))("power cut", () => {
  it("SIGKILL of the whole stack mid-upload and mid-processing loses nothing; the upload resumes and the job ends READY", { timeout: 300_000 }, async () => {
    const began = Date.now();
    const stateDir = path.join(folder, "state");
    const home = path.join(folder, "home");
    const filePath = path.join(folder, "my-video.mp4");
    const runs: DevCommand[] = [];
    const groups: number[] = [];
    const startTimes: number[] = [];
    /**
     * Free ports the first time; a restart asks for the ports the dead stack had, as `npm run dev`
     * gets its usual ones back. (The token's issuer is the site origin: on another port it is
     * refused.) Not the usual ports, which other tests' stacks take meanwhile.
     */
    const portsOf = (stack?: StackEndpoints) => {
      const port = (url: string | undefined) => (url ? Number(new URL(url).port) : 0);
      return { app: 0, convex: port(stack?.convexUrl), site: port(stack?.convexSiteUrl), s3: port(stack?.s3Endpoint) };
    };
    const startStack = async (extraArgs: string[] = [], previous?: StackEndpoints): Promise<StackEndpoints> => {
      const startedAt = Date.now();
      const env = { ...SHELL_SETTINGS, REELDROP_DEV_TEST_PORTS: JSON.stringify(portsOf(previous)) };
      const run = startDevCommand(["--offline", "--no-app", "--state-dir", stateDir, ...extraArgs], home, env);
      runs.push(run);
      const stack = await waitForStackFile(run, stateDir, 120_000);
      // The children's groups and the reaper's, so that a failure kills them and the end checks them.
      groups.push(...processesOfStack(run, stack).groups);
      expect(Object.keys(stack.processGroups).sort()).toEqual(["convex", "worker"]);
      startTimes.push(Date.now() - startedAt);
      return stack;
    };
    /** The cut, and proof that it was one: everything is gone and nothing cleaned up (stack.json stays). */
    const powerCut = async (stack: StackEndpoints) => {
      const killed = await cutThePower(runs.at(-1)!, stack);
      groups.push(...killed.groups);
      const stackFile = path.join(stateDir, "stack.json");
      expect(existsSync(stackFile), "stack.json is left behind: no clean-up ran").toBe(true);
      // A new stack writes its own; remove the dead one's so that the wait below reads the new one.
      await rm(stackFile);
      return killed;
    };
    const clientOf = (stack: StackEndpoints, token: string) => {
      const client = new ConvexHttpClient(stack.convexUrl);
      client.setAuth(token);
      return client;
    };
    const recordedParts = async (client: ConvexHttpClient, jobId: Id<"video_jobs">) => {
      const numbers: number[] = [];
      let afterPartNumber: number | undefined;
      for (;;) {
        const page = await client.query(api.uploads.recordedPartNumbers, { jobId, ...(afterPartNumber === undefined ? {} : { afterPartNumber }) });
        if (page === null) return null;
        numbers.push(...page.partNumbers);
        if (page.continueAfter === null) return numbers;
        afterPartNumber = page.continueAfter;
      }
    };
    const puts: number[] = [];
    const putPart = async (url: { url: string; headers?: Record<string, string> }, partNumber: number, body: Buffer<ArrayBuffer>) => {
      puts.push(partNumber);
      const response = await fetch(url.url, { method: "PUT", body, headers: url.headers ?? {} });
      expect(response.status, `part ${partNumber} PUT`).toBe(200);
      return response.headers.get("etag")!;
    };

    try {
      // --- Start, sign in, intake, rights, a multipart upload cut short. ---
      const [video, first] = await Promise.all([writePaddedVideo(filePath, FILE_BYTES), startStack()]);
      const startedAfterMs = Date.now() - began;
      const bytes = await readFile(filePath);
      const { mtimeMs } = await stat(filePath);
      const plan = computePartPlan(video.size);
      expect(plan).toEqual({ partSize: PART_SIZE, partCount: 4 });
      expect(video.durationSec).toBeCloseTo(6, 0);
      const parts = Array.from({ length: plan.partCount }, (_, i) => {
        const { start, end } = partRange(plan, video.size, i + 1);
        const body = bytes.subarray(start, end);
        return { partNumber: i + 1, body, checksumCrc32c: crc32cToBase64(crc32c(body)) };
      });
      const file = { name: "my-video.mp4", size: video.size, type: "video/mp4", lastModified: Math.floor(mtimeMs), firstPartCrc32c: parts[0]!.checksumCrc32c };

      const token = await guestToken(first.convexUrl);
      let client = clientOf(first, token);
      const { jobId } = await client.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://youtu.be/dQw4w9WgXcQ" });
      await waitFor(async () => (await client.query(api.jobs.get, { jobId }))?.status === "META_READY", 30_000, "the job never reached META_READY");
      await client.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version });
      const prepared = await client.action(api.uploads.prepareUpload, { jobId, file });
      expect({ partSize: prepared.partSize, partCount: prepared.partCount }).toEqual(plan);
      const { urls } = await client.action(api.uploads.getUploadPartUrls, {
        jobId,
        parts: parts.map(({ partNumber, checksumCrc32c }) => ({ partNumber, checksumCrc32c })),
      });
      for (const partNumber of [...REPORTED_BEFORE_CUT, ...SENT_UNREPORTED_BEFORE_CUT]) {
        const part = parts[partNumber - 1]!;
        const etag = await putPart(urls.find((url) => url.partNumber === partNumber)!, partNumber, part.body);
        if (REPORTED_BEFORE_CUT.includes(partNumber)) {
          await client.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag, size: part.body.length, checksumCrc32c: part.checksumCrc32c });
        }
      }
      const putsBeforeCut = puts.length;
      const beforeCut1 = {
        job: await client.query(api.jobs.get, { jobId }),
        timeline: await client.query(api.jobs.timeline, { jobId }),
        session: await client.query(api.uploads.uploadSession, { jobId }),
        recorded: await recordedParts(client, jobId),
      };
      expect(beforeCut1.job?.status).toBe("UPLOADING");
      expect(beforeCut1.job?.rights?.statementVersion).toBe(RIGHTS_STATEMENT.version);
      expect(beforeCut1.recorded).toEqual(REPORTED_BEFORE_CUT);
      expect(beforeCut1.session?.partsRecorded).toBe(REPORTED_BEFORE_CUT.length);

      // --- Power cut 1, mid-upload. ---
      const cut1 = await powerCut(first);
      let journalRecordsDropped = 0;
      if (FAULT === "drop-journal-tail") journalRecordsDropped = await dropJournalFrom(path.join(stateDir, "convex-data"), "upload_parts");
      const second = await startStack(FAULT === "fresh" ? ["--fresh"] : [], first);
      expect(second.convexSiteUrl, "the restarted stack's site origin (the token's issuer)").toBe(first.convexSiteUrl);
      client = clientOf(second, token);
      const afterCut1 = {
        job: await client.query(api.jobs.get, { jobId }),
        timeline: await client.query(api.jobs.timeline, { jobId }),
        session: await client.query(api.uploads.uploadSession, { jobId }),
        recorded: await recordedParts(client, jobId),
      };
      expect(afterCut1.job, "the guest's token still reaches their job").not.toBeNull();
      expect(afterCut1).toEqual(beforeCut1);

      // --- The resume, as the browser's engine does it: the same file, only the parts not recorded. ---
      expect(afterCut1.session?.fingerprint).toEqual({ name: file.name, size: file.size, lastModified: file.lastModified, firstPartCrc32c: file.firstPartCrc32c });
      const missing = parts.filter((part) => !afterCut1.recorded!.includes(part.partNumber));
      const resumed = await client.action(api.uploads.getUploadPartUrls, {
        jobId,
        parts: missing.map(({ partNumber, checksumCrc32c }) => ({ partNumber, checksumCrc32c })),
      });
      for (const part of missing) {
        const etag = await putPart(resumed.urls.find((url) => url.partNumber === part.partNumber)!, part.partNumber, part.body);
        await client.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: part.partNumber, etag, size: part.body.length, checksumCrc32c: part.checksumCrc32c });
      }
      const putsAfterRestart = puts.slice(putsBeforeCut);
      expect(putsAfterRestart, "the resume sends exactly the parts Convex had not recorded").toEqual([2, 4]);
      await client.action(api.uploads.completeUpload, { jobId });

      // --- Power cut 2, once the worker has claimed the job. ---
      let claimed: FunctionReturnType<typeof api.jobs.get> = null;
      await waitFor(
        async () => {
          claimed = await client.query(api.jobs.get, { jobId });
          if (claimed?.status === "READY" || claimed?.status === "FAILED") throw new Error(`The job was ${claimed.status} before the cut could catch it processing`);
          return claimed?.status === "PROCESSING";
        },
        60_000,
        "the worker never claimed the job",
        20,
      );
      const beforeCut2 = { timeline: await client.query(api.jobs.timeline, { jobId }), artifacts: await client.query(api.artifacts.listForJob, { jobId }) };
      const cut2 = await powerCut(second);
      const third = await startStack([], second);
      const restartedAt = Date.now();
      expect(third.convexSiteUrl).toBe(first.convexSiteUrl);
      client = clientOf(third, token);
      await waitFor(
        async () => {
          const job = await client.query(api.jobs.get, { jobId });
          if (job?.status === "FAILED") throw new Error(`The job failed: ${JSON.stringify(job.failure)}`);
          return job?.status === "READY";
        },
        120_000,
        "the job never became READY after cut 2",
      );

      const readyAfterRestartMs = Date.now() - restartedAt;

      // --- 0 lost. ---
      const job = (await client.query(api.jobs.get, { jobId }))!;
      const timeline = (await client.query(api.jobs.timeline, { jobId }))!;
      const artifacts = (await client.query(api.artifacts.listForJob, { jobId }))!;
      const storage = await stackStorage(stateDir);
      const stored = await readStoredObject(storage, `sources/${jobId}/source`);
      const inFolder = await storedInFolder(stateDir, storage.bucket, `artifacts/${jobId}/`);
      const artifactObjects = inFolder.keys;

      expect(job.rights).toEqual(beforeCut1.job!.rights);
      expect(job.attempt, "claimed once before cut 2 and once after").toBe(2);
      expect(timelineFaults(timeline)).toEqual([]);
      expect(timeline.slice(0, beforeCut1.timeline!.length)).toEqual(beforeCut1.timeline);
      expect(timeline.slice(0, beforeCut2.timeline!.length)).toEqual(beforeCut2.timeline);
      // The happy path, with the one claim lost in cut 2 handed back as a retry.
      const upToTheClaim = HAPPY_PATH.slice(0, HAPPY_PATH.indexOf("PROCESSING") + 1);
      expect(timeline.map((event) => event.to)).toEqual([...upToTheClaim, "UPLOADED", "PROCESSING", "READY"]);
      expect(timeline[6]).toMatchObject({ from: "PROCESSING", to: "UPLOADED", detail: "retry after worker_lost" });

      const lostBytes = Math.abs(stored.length - bytes.length) + countDifferingBytes(stored, bytes);
      expect({ size: stored.length, sha256: sha256(stored) }).toEqual({ size: bytes.length, sha256: sha256(bytes) });
      expect(lostBytes).toBe(0);

      const artifactIds = artifacts.map((artifact) => `${artifact.kind}/${artifact.index}`);
      const duplicates = artifactIds.filter((id, index) => artifactIds.indexOf(id) !== index);
      expect(duplicates).toEqual([]);
      expect([...new Set(artifacts.map((artifact) => artifact.kind))].sort()).toEqual(JOB_KINDS);
      const indexesOf = (kind: string) => artifacts.filter((artifact) => artifact.kind === kind).map((artifact) => artifact.index).sort();
      expect(indexesOf("clip_poster")).toEqual(indexesOf("clip"));
      expect(artifactObjects).toEqual(artifacts.map((artifact) => artifactKey(jobId, artifact.kind, artifact.index)).sort());
      expect(inFolder.unfinishedUploads, "multipart uploads left unfinished in storage").toEqual([]);

      // --- The stack still stops cleanly after all that. ---
      const last = runs.at(-1)!;
      last.process.kill("SIGINT");
      expect(await last.exited).toBe(0);
      await vi.waitFor(() => expect(livingMembersOf(groups), "processes left behind").toEqual([]), { timeout: 10_000, interval: 100 });

      console.log(
        [
          `[power-cut] video and stack ready after ${startedAfterMs} ms; file ${bytes.length} bytes in ${plan.partCount} parts (probes as ${video.durationSec} s)`,
          `[power-cut] cut 1 (UPLOADING, parts ${beforeCut1.recorded!.join(",")} recorded, part 2 sent unreported): ${cut1.pids.length} processes in ${cut1.groups.length} groups SIGKILLed; after the restart: same user, job/timeline/session/parts unchanged (${afterCut1.timeline!.length} events, ${afterCut1.recorded!.length} parts)${journalRecordsDropped ? `; fault dropped ${journalRecordsDropped} journal records` : ""}`,
          `[power-cut] resume: ${putsAfterRestart.length} PUTs (parts ${putsAfterRestart.join(",")}), ${puts.length} in all for ${plan.partCount} parts`,
          `[power-cut] cut 2 (PROCESSING, attempt ${claimed!.attempt}, ${beforeCut2.artifacts?.length ?? 0} artifacts so far): ${cut2.pids.length} processes in ${cut2.groups.length} groups SIGKILLed; READY at attempt ${job.attempt}`,
          `[power-cut] 0 lost: source ${stored.length} of ${bytes.length} bytes stored, SHA-256 ${sha256(stored) === sha256(bytes) ? "equal" : "DIFFERENT"}, ${lostBytes} bytes differ; ${artifacts.length} artifacts (${JOB_KINDS.map((kind) => `${kind} ${indexesOf(kind).length}`).join(", ")}), ${duplicates.length} duplicated, ${artifactObjects.length} objects stored, ${inFolder.unfinishedUploads.length} unfinished multipart uploads; timeline ${timeline.map((event) => event.to).join(" → ")}`,
          `[power-cut] ${Date.now() - began} ms in all: the stack up in ${startTimes.join(", ")} ms; READY ${readyAfterRestartMs} ms after the last restart`,
        ].join("\n"),
      );
    } catch (error) {
      for (const [index, run] of runs.entries()) console.error(`--- npm run dev, run ${index + 1}, printed:\n${run.output().split("\n").slice(-40).join("\n")}`);
      throw error;
    } finally {
      for (const run of runs) killEverything(run, { groups });
    }
  });
});

async function waitFor(done: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} (within ${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}

function countDifferingBytes(a: Buffer, b: Buffer): number {
  let differing = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++;
  return differing;
}
