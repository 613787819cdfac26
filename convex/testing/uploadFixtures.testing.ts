/**
 * Fixtures for the upload suites: the embedded S3 server wired into the Convex environment,
 * jobs that are ready for a file, and the browser's side of an upload (real HTTP PUTs of real
 * bytes to the presigned URLs). The suites that use it run in Vitest's Node environment.
 */
import { createHash, randomBytes } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { expect, vi } from "vitest";
import { ConvexError } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { api } from "../_generated/api";
import { insertCreatedJob, transitionJob } from "../model/jobTransitions";
import { openUploadSession, startSigningParts } from "../model/uploadSessions";
import { createS3Client } from "../model/s3Client";
import { RIGHTS_STATEMENT } from "../lib/rightsStatement";
import { MAX_PARTS_PER_URL_REQUEST, computePartPlan, partRange } from "../lib/partPlan";
import { crc32c, crc32cToBase64 } from "../lib/crc32c";
import { startEmbeddedS3, type EmbeddedS3 } from "../../scripts/s3/embeddedS3";
import type { ConvexTestHarness } from "./convexTest.testing";

export const APP_ORIGIN = "http://localhost:3000";

type SignedInHarness = ReturnType<ConvexTestHarness["withIdentity"]>;

export async function startTestStorage(): Promise<EmbeddedS3> {
  return await startEmbeddedS3({ bucket: "reeldrop-test", allowedOrigins: [APP_ORIGIN] });
}

/** Points the Convex functions at `s3` (they read the environment at call time). Undo with `vi.unstubAllEnvs()`. */
export function useStorage(s3: EmbeddedS3): void {
  vi.stubEnv("R2_ENDPOINT", s3.endpoint);
  vi.stubEnv("R2_BUCKET", s3.bucket);
  vi.stubEnv("R2_ACCESS_KEY_ID", s3.accessKeyId);
  vi.stubEnv("R2_SECRET_ACCESS_KEY", s3.secretAccessKey);
}

/** A META_READY job (with the rights confirmed unless told otherwise), skipping the network-bound metadata step. */
export async function insertJobAwaitingUpload(
  t: ConvexTestHarness,
  ownerId: Id<"users">,
  { rightsConfirmed = true }: { rightsConfirmed?: boolean } = {},
): Promise<Id<"video_jobs">> {
  return await t.run(async (ctx) => {
    const jobId = await insertCreatedJob(
      ctx,
      { ownerId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" },
      "user",
    );
    await transitionJob(ctx, (await ctx.db.get("video_jobs", jobId))!, "META_READY", {
      actor: "system",
      patch: {
        sourceMeta: { thumbnailUrl: "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg", source: "derived" },
        ...(rightsConfirmed
          ? { rights: { confirmedAt: Date.now(), confirmedBy: ownerId, statementVersion: RIGHTS_STATEMENT.version } }
          : {}),
      },
    });
    return jobId;
  });
}

/**
 * A job in UPLOADING with the plan for a file of `fileSize` bytes and no part recorded, written
 * without storage (a made-up upload id): for tests of the database side only.
 */
export async function insertUploadingJob(
  t: ConvexTestHarness,
  ownerId: Id<"users">,
  fileSize: number,
): Promise<Id<"video_jobs">> {
  const jobId = await insertJobAwaitingUpload(t, ownerId);
  await t.run(async (ctx) => {
    await openUploadSession(ctx, ownerId, jobId, {
      uploadId: "upload-1",
      key: `sources/${jobId}/source`,
      ...computePartPlan(fileSize),
      fileName: "holiday.mp4",
      fileSize,
      fileType: "video/mp4",
      lastModified: 0,
      startedAt: Date.now(),
    });
    await startSigningParts(ctx, ownerId, jobId, [1]);
  });
  return jobId;
}

export const readJob = (t: ConvexTestHarness, jobId: Id<"video_jobs">) =>
  t.run((ctx) => ctx.db.get("video_jobs", jobId));

/** A stand-in for the user's video: random bytes of the given size, with what the browser would describe. */
export function makeTestFile(size: number, name = "holiday.mp4") {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    bytes,
    description: { name, size, type: "video/mp4", lastModified: 1_700_000_000_000 },
    sha256: sha256Hex(bytes),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The `x-amz-checksum-crc32c` value of `bytes`, as the browser engine computes it for a part. */
export function crc32cBase64(bytes: Uint8Array): string {
  return crc32cToBase64(crc32c(bytes));
}

/** The bytes of part `partNumber` as the browser slices them from the stored plan. */
export function partBytes(file: Uint8Array<ArrayBuffer>, partNumber: number): Uint8Array<ArrayBuffer> {
  const { start, end } = partRange(computePartPlan(file.length), file.length, partNumber);
  return file.subarray(start, end);
}

/** A PUT as the browser's engine sends it: the part's bytes plus the headers the URL was signed with. */
export async function putPart(
  url: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string | null }> {
  const response = await fetch(url, { method: "PUT", body, headers });
  await response.arrayBuffer();
  return { status: response.status, etag: response.headers.get("etag") };
}

/** Uploads every part the way the browser engine does: CRC32C-signed URLs in batches, real PUTs, a report per part. */
export async function uploadAllParts(
  as: SignedInHarness,
  jobId: Id<"video_jobs">,
  file: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const { partCount } = computePartPlan(file.length);
  for (let first = 1; first <= partCount; first += MAX_PARTS_PER_URL_REQUEST) {
    const partNumbers = Array.from(
      { length: Math.min(MAX_PARTS_PER_URL_REQUEST, partCount - first + 1) },
      (_, i) => first + i,
    );
    const { urls } = await as.action(api.uploads.getUploadPartUrls, {
      jobId,
      parts: partNumbers.map((partNumber) => ({ partNumber, checksumCrc32c: crc32cBase64(partBytes(file, partNumber)) })),
    });
    for (const { partNumber, url, headers } of urls) {
      const body = partBytes(file, partNumber);
      const { status, etag } = await putPart(url, body, headers);
      expect(status).toBe(200);
      const checksumCrc32c = headers!["x-amz-checksum-crc32c"]!;
      await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag: etag!, size: body.length, checksumCrc32c });
    }
  }
}

export async function readStoredObject(s3: EmbeddedS3, key: string): Promise<Uint8Array> {
  const client = createS3Client(s3);
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return await object.Body!.transformToByteArray();
}

/** The `code` of the ConvexError a call fails with. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string } & Record<string, unknown>> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await errorOf(promise)).code;
}
