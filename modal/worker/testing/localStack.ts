/**
 * The real local stack for worker tests: offline Convex backend with the project's functions,
 * the embedded S3 server, no Next.js and no local worker (the test drives the worker). Also the
 * browser's side of an upload, done the way the browser does it: guest sign-in, intake,
 * rights, multipart upload with per-part CRC32C, completion.
 */
import { crc32c, crc32cToBase64 } from "../../../convex/lib/crc32c";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { computePartPlan, partRange } from "../../../convex/lib/partPlan";
import { RIGHTS_STATEMENT } from "../../../convex/lib/rightsStatement";
import type { JobStatus } from "../../../convex/lib/jobStatus";
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../../convex/model/s3Client";
import { startDevStack, type StackEndpoints } from "../../../scripts/dev/devStack";
import { EMBEDDED_S3_CREDENTIALS } from "../../../scripts/s3/embeddedS3";

export type LocalStack = {
  endpoints: StackEndpoints;
  /** The embedded S3 server's folder (`npm run dev` keeps it in its state folder, `s3/`). */
  storageDirectory: string;
  stop(): Promise<void>;
};

export async function startLocalStack(functionEnv: Record<string, string> = {}): Promise<LocalStack> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "reeldrop-worker-stack-"));
  const lines: string[] = [];
  const stack = await startDevStack({
    offline: true,
    app: false,
    worker: false,
    ports: { app: 0, convex: 0, site: 0, s3: 0 },
    stateDir,
    // Port 9 (discard) refuses connections: oEmbed falls back to derived metadata at once.
    functionEnv: { OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed", ...functionEnv },
    log: (line) => lines.push(line),
  }).catch((error: unknown) => {
    throw new Error(`The local stack did not start: ${String(error)}\n${lines.join("\n")}`);
  });
  return {
    endpoints: stack.endpoints,
    storageDirectory: path.join(stateDir, "s3"),
    async stop() {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in guest, as the browser would be after "Continue as guest". */
/** A client of the stack's embedded S3 server itself (not of a proxy in front of it), to check what storage holds. */
export function createStackS3Client(stack: LocalStack): S3Client {
  return createS3Client({ endpoint: stack.endpoints.s3Endpoint, bucket: stack.endpoints.bucket, ...EMBEDDED_S3_CREDENTIALS });
}

export async function signInAsGuest(convexUrl: string): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(convexUrl);
  client.setAuth(await guestToken(convexUrl));
  return client;
}

/** A new guest's Convex Auth token, for clients that take a token (a WebSocket `ConvexClient`). */
export async function guestToken(convexUrl: string): Promise<string> {
  const result = (await new ConvexHttpClient(convexUrl).action(api.auth.signIn, { provider: "anonymous" })) as {
    tokens?: { token: string } | null;
  };
  if (!result.tokens?.token) throw new Error("Guest sign-in returned no token");
  return result.tokens.token;
}

export async function waitForStatus(
  client: ConvexHttpClient,
  jobId: Id<"video_jobs">,
  wanted: readonly JobStatus[],
  timeoutMs = 60_000,
): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.query(api.jobs.get, { jobId });
    if (job && wanted.includes(job.status)) return job.status;
    if (Date.now() > deadline) throw new Error(`Job stayed ${job?.status ?? "missing"}, wanted ${wanted.join("/")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Intake, rights and a complete multipart upload of `filePath`; returns the job, now UPLOADED.
 * `afterCreate` runs as soon as the job exists (its metadata lookup may already be running) and
 * the upload waits for it: a test can subscribe to the job before its upload starts.
 */
export async function uploadVideoAsGuest(
  client: ConvexHttpClient,
  filePath: string,
  youtubeUrl = "https://youtu.be/dQw4w9WgXcQ",
  hooks: {
    afterCreate?: (jobId: Id<"video_jobs">) => Promise<void>;
  } = {},
): Promise<Id<"video_jobs">> {
  const { jobId } = await client.mutation(api.jobs.createJobFromYouTubeUrl, { url: youtubeUrl });
  await hooks.afterCreate?.(jobId);
  await waitForStatus(client, jobId, ["META_READY"]);
  await client.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version });

  const bytes = await readFile(filePath);
  const { size, mtimeMs } = await stat(filePath);
  const plan = computePartPlan(size);
  const parts = Array.from({ length: plan.partCount }, (_, i) => {
    const { start, end } = partRange(plan, size, i + 1);
    const body = bytes.subarray(start, end);
    return { partNumber: i + 1, body, checksumCrc32c: crc32cToBase64(crc32c(body)) };
  });
  await client.action(api.uploads.prepareUpload, {
    jobId,
    file: { name: path.basename(filePath), size, type: "video/mp4", lastModified: Math.floor(mtimeMs), firstPartCrc32c: parts[0]!.checksumCrc32c },
  });
  const { urls } = await client.action(api.uploads.getUploadPartUrls, {
    jobId,
    parts: parts.map(({ partNumber, checksumCrc32c }) => ({ partNumber, checksumCrc32c })),
  });
  for (const part of parts) {
    const signed = urls.find((u) => u.partNumber === part.partNumber)!;
    const response = await fetch(signed.url, { method: "PUT", body: part.body, headers: signed.headers ?? {} });
    if (!response.ok) throw new Error(`Part ${part.partNumber} PUT failed: ${response.status}`);
    await client.mutation(api.uploads.reportUploadedPart, {
      jobId,
      partNumber: part.partNumber,
      etag: response.headers.get("etag")!,
      size: part.body.length,
      checksumCrc32c: part.checksumCrc32c,
    });
  }
  await client.action(api.uploads.completeUpload, { jobId });
  return jobId;
}
