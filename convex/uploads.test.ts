// @vitest-environment node
// The embedded S3 server and the AWS SDK's Node build need Node, as the storage actions do in Convex.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { CompleteMultipartUploadCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { MiB } from "./lib/partPlan";
import { deleteStoredObject, storedObjectSize } from "./model/multipartStorage";
import { MAX_UPLOAD_SESSION_MS } from "./model/uploadSessions";
import { PART_DELETE_BATCH } from "./model/uploadParts";
import { createS3Client } from "./model/s3Client";
import { failJob, transitionJob } from "./model/jobTransitions";
import { makeFailure } from "./lib/failures";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import {
  codeOf,
  errorOf,
  insertJobAwaitingUpload,
  makeTestFile,
  crc32cBase64,
  partBytes,
  putPart,
  readJob,
  readStoredObject,
  sha256Hex,
  startTestStorage,
  uploadAllParts,
  useStorage,
} from "./testing/uploadFixtures.testing";
import type { EmbeddedS3 } from "../scripts/s3/embeddedS3";

let s3: EmbeddedS3;
beforeAll(async () => {
  s3 = await startTestStorage();
});
afterAll(async () => {
  await s3.stop();
});
beforeEach(() => useStorage(s3));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function signedInWithJob(t: ConvexTestHarness) {
  const { userId, as } = await signInAsNewUser(t);
  const jobId = await insertJobAwaitingUpload(t, userId);
  return { userId, as, jobId };
}

/** A signed-in owner's job with a file of `size` bytes prepared and every part uploaded and reported, not yet completed. */
async function jobWithEveryPartUploaded(size: number) {
  const t = newConvexTest();
  const { as, jobId } = await signedInWithJob(t);
  const file = makeTestFile(size);
  await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
  await uploadAllParts(as, jobId, file.bytes);
  return { t, as, jobId, file };
}

/** The job's `upload_parts` rows in part order, as the completion reads them. */
const recordedRows = (t: ConvexTestHarness, jobId: Id<"video_jobs">) =>
  t.run(async (ctx) =>
    (await ctx.db.query("upload_parts").withIndex("by_job_and_part", (q) => q.eq("jobId", jobId)).collect()).map(
      ({ partNumber, size, etag, checksumCrc32c }) => ({ partNumber, size, etag, ...(checksumCrc32c ? { checksumCrc32c } : {}) }),
    ),
  );

const statusOf = async (t: ConvexTestHarness, jobId: Id<"video_jobs">) => (await readJob(t, jobId))!.status;

describe("end to end against the embedded S3 server", () => {
  test.each([
    ["one part", 1 * MiB + 123, 1],
    ["an exact multiple of the part size", 16 * MiB, 2],
    ["a short last part", 16 * MiB + 4321, 3],
  ])(
    "%s: prepare, sign, PUT, report, complete — the stored object is the file",
    async (_label, size, expectedParts) => {
      const t = newConvexTest();
      const { as, jobId } = await signedInWithJob(t);
      const file = makeTestFile(size);

      const prepared = await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
      expect(prepared).toMatchObject({ partSize: 8 * MiB, partCount: expectedParts, urls: [] });
      expect(await statusOf(t, jobId)).toBe("UPLOAD_READY");

      await uploadAllParts(as, jobId, file.bytes);
      expect(await statusOf(t, jobId)).toBe("UPLOADING");
      expect(await as.action(api.uploads.completeUpload, { jobId })).toBeNull();

      const job = (await readJob(t, jobId))!;
      expect(job).toMatchObject({ status: "UPLOADED", r2SourceKey: `sources/${jobId}/source` });
      expect(job.notBefore).toBeLessThanOrEqual(Date.now());
      // The object's CRC32C, combined from the parts' without reading the object again.
      expect(job.upload).toMatchObject({ fileName: "holiday.mp4", fileSize: size, fileType: "video/mp4", crc32c: crc32cBase64(file.bytes) });
      const stored = await readStoredObject(s3, job.r2SourceKey!);
      expect(stored.length).toBe(size);
      expect(sha256Hex(stored)).toBe(file.sha256);

      const timeline = await as.query(api.jobs.timeline, { jobId });
      expect(timeline!.map((e) => e.to)).toEqual(["CREATED", "META_READY", "UPLOAD_READY", "UPLOADING", "UPLOADED"]);
    },
    30_000,
  );

  test("prepareUpload signs the first parts it is given with their CRC32C, and those URLs work as they are", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(2000);
    const checksumCrc32c = crc32cBase64(file.bytes);
    const { urls } = await as.action(api.uploads.prepareUpload, {
      jobId,
      file: { ...file.description, firstPartCrc32c: checksumCrc32c },
      parts: [{ partNumber: 1, checksumCrc32c }],
    });
    expect(urls.map((url) => [url.partNumber, url.headers])).toEqual([[1, { "x-amz-checksum-crc32c": checksumCrc32c }]]);
    // Signed URLs mean the upload has started: the part's report may follow at once.
    expect(await statusOf(t, jobId)).toBe("UPLOADING");
    const { status, etag } = await putPart(urls[0]!.url, file.bytes, urls[0]!.headers);
    expect(status).toBe(200);
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: etag!, checksumCrc32c });
    const beforeCompletion = Date.now();
    await as.action(api.uploads.completeUpload, { jobId });
    expect(sha256Hex(await readStoredObject(s3, `sources/${jobId}/source`))).toBe(file.sha256);
    // UPLOADED wakes the Modal worker at once (a no-op without Modal credentials).
    const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    const wakes = scheduled.filter((call) => call.name.includes("wakeWorker"));
    expect(wakes).toHaveLength(1);
    expect(wakes[0]!.scheduledTime).toBeGreaterThanOrEqual(beforeCompletion);
    expect(wakes[0]!.scheduledTime).toBeLessThanOrEqual(Date.now());
  });

  test("a plan of 10,000 parts (plan only): the last part can be signed, the next cannot", async () => {
    vi.stubEnv("MAX_UPLOAD_BYTES", String(100 * 1024 * MiB));
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const size = 10_000 * 8 * MiB;
    const prepared = await as.action(api.uploads.prepareUpload, {
      jobId,
      file: { name: "long.mov", size, type: "video/quicktime", lastModified: 0 },
    });
    expect(prepared).toMatchObject({ partSize: 8 * MiB, partCount: 10_000 });
    expect(prepared.urls).toEqual([]);
    const { urls } = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 10_000 }] });
    expect(new URL(urls[0]!.url).searchParams.get("partNumber")).toBe("10000");
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 10_001 }] }))).toBe(
      "part_out_of_range",
    );
  });
});

describe("integrity: per-part CRC32C that storage verifies, combined into the object's", () => {
  test("parts sent without a checksum (a client like Uppy) still complete, and then the object has no CRC32C to check", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(16 * MiB + 7);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [1, 2, 3].map((partNumber) => ({ partNumber })) });
    for (const { partNumber, url, headers } of urls) {
      expect(headers).toBeUndefined();
      const { status, etag } = await putPart(url, partBytes(file.bytes, partNumber));
      expect(status).toBe(200);
      await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag: etag! });
    }
    await as.action(api.uploads.completeUpload, { jobId });
    const job = (await readJob(t, jobId))!;
    expect(job.status).toBe("UPLOADED");
    expect(job.upload!.crc32c).toBeUndefined();
    expect(sha256Hex(await readStoredObject(s3, job.r2SourceKey!))).toBe(file.sha256);
  }, 30_000);

  test("one part without a checksum among checksummed ones: no object CRC32C (it could not be combined)", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(8 * MiB + 9);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, {
      jobId,
      parts: [{ partNumber: 1, checksumCrc32c: crc32cBase64(partBytes(file.bytes, 1)) }, { partNumber: 2 }],
    });
    for (const { partNumber, url, headers } of urls) {
      const { etag } = await putPart(url, partBytes(file.bytes, partNumber), headers);
      await as.mutation(api.uploads.reportUploadedPart, {
        jobId,
        partNumber,
        etag: etag!,
        ...(headers ? { checksumCrc32c: headers["x-amz-checksum-crc32c"]! } : {}),
      });
    }
    await as.action(api.uploads.completeUpload, { jobId });
    expect((await readJob(t, jobId))!.upload!.crc32c).toBeUndefined();
  }, 30_000);

  test("a report whose checksum is not the one storage verified: storage refuses the completion, and the job fails as integrity", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(8 * MiB + 9);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, {
      jobId,
      parts: [1, 2].map((partNumber) => ({ partNumber, checksumCrc32c: crc32cBase64(partBytes(file.bytes, partNumber)) })),
    });
    for (const { partNumber, url, headers } of urls) {
      const { etag } = await putPart(url, partBytes(file.bytes, partNumber), headers);
      // Part 2 is reported with part 1's checksum.
      await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag: etag!, checksumCrc32c: urls[0]!.headers!["x-amz-checksum-crc32c"]! });
    }
    // convex-test numbers ids per harness: an earlier test's object may sit at this job's key, and
    // a completion that finds an object of the right size there counts as done.
    await deleteStoredObject({ client: createS3Client(s3), bucket: s3.bucket }, `sources/${jobId}/source`);
    expect(await errorOf(as.action(api.uploads.completeUpload, { jobId }))).toMatchObject({ code: "parts_rejected", storageCode: "InvalidPart" });
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "integrity" } });
  }, 30_000);
});

describe("resuming", () => {
  test("uploadSession returns the plan, the fingerprint and how many parts are recorded; recordedPartNumbers which", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(16 * MiB + 10);
    const firstPartCrc32c = crc32cBase64(partBytes(file.bytes, 1));
    expect(await as.query(api.uploads.uploadSession, { jobId })).toBeNull();
    expect(await as.query(api.uploads.recordedPartNumbers, { jobId })).toBeNull();

    await as.action(api.uploads.prepareUpload, { jobId, file: { ...file.description, firstPartCrc32c } });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, {
      jobId,
      parts: [1, 3].map((partNumber) => ({ partNumber, checksumCrc32c: crc32cBase64(partBytes(file.bytes, partNumber)) })),
    });
    const etags: string[] = [];
    for (const { partNumber, url, headers } of urls) {
      const { etag } = await putPart(url, partBytes(file.bytes, partNumber), headers);
      etags.push(etag!);
      await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag: etag!, checksumCrc32c: headers!["x-amz-checksum-crc32c"] });
    }

    expect(await as.query(api.uploads.uploadSession, { jobId })).toEqual({
      status: "UPLOADING",
      fingerprint: {
        name: "holiday.mp4",
        size: file.bytes.length,
        lastModified: file.description.lastModified,
        firstPartCrc32c,
      },
      fileType: "video/mp4",
      partSize: 8 * MiB,
      partCount: 3,
      partsRecorded: 2,
      // UPLOAD_ABANDON_HOURS' default, for the resume prompt.
      idleLimitHours: 24,
    });

    expect(await as.query(api.uploads.recordedPartNumbers, { jobId })).toEqual({ partNumbers: [1, 3], continueAfter: null });
    expect(await as.query(api.uploads.recordedPartNumbers, { jobId, afterPartNumber: 1 })).toEqual({
      partNumbers: [3],
      continueAfter: null,
    });
    expect(await recordedRows(t, jobId)).toEqual([
      { partNumber: 1, size: 8 * MiB, etag: etags[0], checksumCrc32c: crc32cBase64(partBytes(file.bytes, 1)) },
      { partNumber: 3, size: 10, etag: etags[1], checksumCrc32c: crc32cBase64(partBytes(file.bytes, 3)) },
    ]);

    // After a reload the browser sends only the missing part and finishes.
    await uploadMissingPart(as, jobId, file.bytes, 2);
    await as.action(api.uploads.completeUpload, { jobId });
    expect(sha256Hex(await readStoredObject(s3, `sources/${jobId}/source`))).toBe(file.sha256);
  }, 30_000);

  /** A one-part upload in UPLOADING whose part is reported with ETag "aaaa". */
  async function onePartReported() {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(100).description });
    await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] });
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"aaaa"' });
    return { t, as, jobId };
  }

  test("reporting a part again replaces its ETag", async () => {
    const { t, as, jobId } = await onePartReported();
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"bbbb"' });
    expect(await recordedRows(t, jobId)).toEqual([{ partNumber: 1, size: 100, etag: '"bbbb"' }]);
    expect((await as.query(api.uploads.uploadSession, { jobId }))!.partsRecorded).toBe(1);
  });

  test("the same report again (a retry) writes nothing, so the session's subscribers are not woken", async () => {
    const { t, as, jobId } = await onePartReported();
    const before = await t.run((ctx) => ctx.db.query("upload_parts").unique());
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + 60_000);
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"aaaa"' });
    expect(await t.run((ctx) => ctx.db.query("upload_parts").unique())).toEqual(before);
  });

  test("reporting a part again with another checksum replaces it", async () => {
    const { t, as, jobId } = await onePartReported();
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"aaaa"', checksumCrc32c: "AAAAAA==" });
    expect(await recordedRows(t, jobId)).toEqual([{ partNumber: 1, size: 100, etag: '"aaaa"', checksumCrc32c: "AAAAAA==" }]);
    expect(await codeOf(as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"aaaa"', checksumCrc32c: "AAAA" }))).toBe(
      "invalid_checksum",
    );
  });
});

async function uploadMissingPart(
  as: Awaited<ReturnType<typeof signInAsNewUser>>["as"],
  jobId: Id<"video_jobs">,
  file: Uint8Array<ArrayBuffer>,
  partNumber: number,
) {
  const body = partBytes(file, partNumber);
  const { urls } = await as.action(api.uploads.getUploadPartUrls, {
    jobId,
    parts: [{ partNumber, checksumCrc32c: crc32cBase64(body) }],
  });
  const { status, etag } = await putPart(urls[0]!.url, body, urls[0]!.headers);
  expect(status).toBe(200);
  await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag: etag!, checksumCrc32c: crc32cBase64(body) });
}

describe("completeUpload", () => {
  test("refuses while parts are missing, and says which", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(16 * MiB + 1);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    await uploadMissingPart(as, jobId, file.bytes, 2);
    const error = await errorOf(as.action(api.uploads.completeUpload, { jobId }));
    expect(error).toMatchObject({ code: "parts_missing", missingCount: 2, missingPartNumbers: [1, 3] });
    expect(error.message).toBe("2 parts have not been uploaded yet: 1, 3.");
    expect(await statusOf(t, jobId)).toBe("UPLOADING");
  }, 30_000);

  test("calling it twice is harmless", async () => {
    const { as, jobId, file } = await jobWithEveryPartUploaded(9 * MiB);
    const both = await Promise.all([
      as.action(api.uploads.completeUpload, { jobId }),
      as.action(api.uploads.completeUpload, { jobId }),
    ]);
    expect(both).toEqual([null, null]);
    expect(await as.action(api.uploads.completeUpload, { jobId })).toBeNull();
    const timeline = await as.query(api.jobs.timeline, { jobId });
    expect(timeline!.filter((e) => e.to === "UPLOADED")).toHaveLength(1);
    expect(sha256Hex(await readStoredObject(s3, `sources/${jobId}/source`))).toBe(file.sha256);
  }, 30_000);

  test("a retry after storage completed but the job did not move finds the object and finishes", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(8 * MiB + 77);
    // The first attempt's CompleteMultipartUpload succeeded, then the action died.
    const { upload } = (await readJob(t, jobId))!;
    const parts = await t.run((ctx) => ctx.db.query("upload_parts").collect());
    await createS3Client(s3).send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: upload!.key,
        UploadId: upload!.uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
    expect(await statusOf(t, jobId)).toBe("UPLOADING");

    await as.action(api.uploads.completeUpload, { jobId });
    expect((await readJob(t, jobId))!).toMatchObject({ status: "UPLOADED", r2SourceKey: upload!.key });
  }, 30_000);

  test("a stored object of the wrong size fails the job (integrity)", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(8 * MiB + 1000);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, {
      jobId,
      parts: [{ partNumber: 1 }, { partNumber: 2 }],
    });
    // A part URL takes only its planned length, so the short last part goes in the way a
    // storage that did not check it would take it: straight through the S3 API. The size
    // check at completion is the second guard.
    const { upload } = (await readJob(t, jobId))!;
    const shortLastPart = await createS3Client(s3).send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: upload!.key,
        UploadId: upload!.uploadId,
        PartNumber: 2,
        Body: partBytes(file.bytes, 2).subarray(1),
      }),
    );
    const etags = [(await putPart(urls[0]!.url, partBytes(file.bytes, 1))).etag!, shortLastPart.ETag!];
    for (const [i, etag] of etags.entries()) {
      await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: i + 1, etag });
    }
    const error = await errorOf(as.action(api.uploads.completeUpload, { jobId }));
    expect(error).toMatchObject({
      code: "size_mismatch",
      expectedBytes: file.bytes.length,
      storedBytes: file.bytes.length - 1,
    });
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "integrity" } });
    expect(await storedSize(`sources/${jobId}/source`)).toBeNull();
  }, 30_000);

  test.each([
    ["InvalidPart", 400],
    ["InvalidPartOrder", 400],
    // The upload is gone and nothing was stored at its key (an upload another call completed
    // answers NoSuchUpload too, but its object is there: `completeMultipartUpload` looks first).
    ["NoSuchUpload", 404],
  ])("storage refusing the recorded parts (%s) ends the job once, instead of on every retry", async (name, status) => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(2000);
    vi.spyOn(console, "error").mockImplementation(() => {});
    let completions = 0;
    const send = S3Client.prototype.send;
    vi.spyOn(S3Client.prototype, "send").mockImplementation(async function (this: S3Client, command: unknown) {
      if (command instanceof CompleteMultipartUploadCommand) {
        completions += 1;
        throw Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
      }
      return await (send as (c: unknown) => Promise<unknown>).call(this, command);
    } as S3Client["send"]);

    expect(await errorOf(as.action(api.uploads.completeUpload, { jobId }))).toMatchObject({ code: "parts_rejected", storageCode: name });
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "integrity" } });
    expect(await codeOf(as.action(api.uploads.completeUpload, { jobId }))).toBe("invalid_state");
    expect(completions).toBe(1);
  });

  test("a completion that fails after another call finished the upload answers as done", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(2000);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const send = S3Client.prototype.send;
    vi.spyOn(S3Client.prototype, "send").mockImplementation(async function (this: S3Client, command: unknown) {
      if (command instanceof CompleteMultipartUploadCommand) {
        // Meanwhile a retry of this call (a lost connection) completed and recorded the upload.
        await t.run(async (ctx) => {
          const job = (await ctx.db.get("video_jobs", jobId))!;
          await transitionJob(ctx, job, "UPLOADED", { actor: "user", patch: { r2SourceKey: job.upload!.key } });
        });
        throw Object.assign(new Error("InternalError"), { name: "InternalError", $metadata: { httpStatusCode: 500 } });
      }
      return await (send as (c: unknown) => Promise<unknown>).call(this, command);
    } as S3Client["send"]);

    await expect(as.action(api.uploads.completeUpload, { jobId })).resolves.toBeNull();
    expect(await statusOf(t, jobId)).toBe("UPLOADED");
  });

  test("storage failing for a while (a 500) leaves the upload to be completed again", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(2000);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const send = S3Client.prototype.send;
    const spy = vi.spyOn(S3Client.prototype, "send").mockImplementation(async function (this: S3Client, command: unknown) {
      if (command instanceof CompleteMultipartUploadCommand) {
        throw Object.assign(new Error("InternalError"), { name: "InternalError", $metadata: { httpStatusCode: 500 } });
      }
      return await (send as (c: unknown) => Promise<unknown>).call(this, command);
    } as S3Client["send"]);

    expect(await codeOf(as.action(api.uploads.completeUpload, { jobId }))).toBe("storage_error");
    expect(await statusOf(t, jobId)).toBe("UPLOADING");
    spy.mockRestore();
    await as.action(api.uploads.completeUpload, { jobId });
    expect(await statusOf(t, jobId)).toBe("UPLOADED");
  });

  test("a job stopped while storage was completing its upload keeps no object in storage", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(2000);
    // The job is stopped just as storage finishes putting the parts together, and before the
    // stop's own storage clean-up has run.
    const send = S3Client.prototype.send;
    vi.spyOn(S3Client.prototype, "send").mockImplementation(async function (this: S3Client, command: unknown) {
      const result = await (send as (c: unknown) => Promise<unknown>).call(this, command);
      if (command instanceof CompleteMultipartUploadCommand) {
        await t.run(async (ctx) => failJob(ctx, (await ctx.db.get("video_jobs", jobId))!, makeFailure("upload_aborted"), "user"));
      }
      return result;
    } as S3Client["send"]);

    expect(await codeOf(as.action(api.uploads.completeUpload, { jobId }))).toBe("invalid_state");
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "upload_aborted" } });
    expect(await storedSize(`sources/${jobId}/source`)).toBeNull();
  }, 30_000);

  test("stopping a job whose parts storage already put together (the completion crashed) deletes the object", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(2000);
    const { upload } = (await readJob(t, jobId))!;
    const parts = await recordedRows(t, jobId);
    await createS3Client(s3).send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: upload!.key,
        UploadId: upload!.uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
      }),
    );
    expect(await storedSize(upload!.key)).toBe(2000);

    await as.mutation(api.uploads.abortUpload, { jobId });
    await t.finishAllScheduledFunctions(() => {});
    expect(await storedSize(upload!.key)).toBeNull();
  }, 30_000);
});

/** The stored object's size, or null when there is none. */
async function storedSize(key: string): Promise<number | null> {
  return await storedObjectSize({ client: createS3Client(s3), bucket: s3.bucket }, key);
}

describe("concurrency", () => {
  test("16 concurrent reports of different parts all land", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, {
      jobId,
      file: { name: "big.mp4", size: 16 * 8 * MiB, type: "video/mp4", lastModified: 0 },
    });
    const partNumbers = Array.from({ length: 16 }, (_, i) => i + 1);
    await as.action(api.uploads.getUploadPartUrls, { jobId, parts: partNumbers.map((partNumber) => ({ partNumber })) });
    await Promise.all(
      partNumbers.map((partNumber) =>
        as.mutation(api.uploads.reportUploadedPart, {
          jobId,
          partNumber,
          etag: `"${partNumber.toString(16).padStart(32, "0")}"`,
        }),
      ),
    );
    const recorded = await recordedRows(t, jobId);
    expect(recorded.map((p) => p.partNumber)).toEqual(partNumbers);
    expect(recorded.every((p) => p.size === 8 * MiB)).toBe(true);
    expect((await as.query(api.uploads.uploadSession, { jobId }))!.partsRecorded).toBe(partNumbers.length);
  });

  test("two prepareUpload calls racing: one wins, the other undoes its multipart upload", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const abortedUploadIds = recordAbortedUploads();
    const file = makeTestFile(100).description;
    const results = await Promise.allSettled([
      as.action(api.uploads.prepareUpload, { jobId, file }),
      as.action(api.uploads.prepareUpload, { jobId, file }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((r) => r.status === "rejected")!;
    expect(await codeOf(Promise.reject(rejected.reason))).toBe("invalid_state");
    const job = (await readJob(t, jobId))!;
    expect(job.status).toBe("UPLOAD_READY");
    // Both calls passed the state check, so both started an upload; the loser aborted its own.
    expect(abortedUploadIds).toHaveLength(1);
    expect(abortedUploadIds[0]).not.toBe(job.upload!.uploadId);
  });
});

/** The upload ids of every AbortMultipartUpload sent (s3rver does not implement the call, R2 does). */
function recordAbortedUploads(): string[] {
  const aborted: string[] = [];
  const send = S3Client.prototype.send;
  vi.spyOn(S3Client.prototype, "send").mockImplementation(function (this: S3Client, command: unknown) {
    const { constructor, input } = command as { constructor: { name: string }; input: { UploadId?: string } };
    if (constructor.name === "AbortMultipartUploadCommand") aborted.push(input.UploadId!);
    return (send as (c: unknown) => Promise<unknown>).call(this, command);
  } as S3Client["send"]);
  return aborted;
}

describe("abortUpload", () => {
  test("stops an upload in progress: FAILED upload_aborted, and storage is told to drop the parts", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const aborted = recordAbortedUploads();
    const file = makeTestFile(16 * MiB + 1);
    await as.action(api.uploads.prepareUpload, { jobId, file: file.description });
    await uploadMissingPart(as, jobId, file.bytes, 1);

    expect(await as.mutation(api.uploads.abortUpload, { jobId })).toBeNull();
    const job = (await readJob(t, jobId))!;
    expect(job).toMatchObject({ status: "FAILED", failure: { code: "upload_aborted" } });
    await t.finishAllScheduledFunctions(() => {});
    expect(aborted).toEqual([job.upload!.uploadId]);

    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 2 }] }))).toBe(
      "invalid_state",
    );
    expect(await codeOf(as.action(api.uploads.completeUpload, { jobId }))).toBe("invalid_state");
    // A second abort changes nothing and does not fail.
    expect(await as.mutation(api.uploads.abortUpload, { jobId })).toBeNull();
    expect((await as.query(api.jobs.timeline, { jobId }))!.filter((e) => e.to === "FAILED")).toHaveLength(1);
  }, 30_000);

  test("before the upload started it just fails the job", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.mutation(api.uploads.abortUpload, { jobId });
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "upload_aborted" } });
    expect(await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect())).toEqual([]);
  });

  test("a finished upload cannot be aborted", async () => {
    const { t, as, jobId } = await jobWithEveryPartUploaded(10);
    await as.action(api.uploads.completeUpload, { jobId });
    expect(await codeOf(as.mutation(api.uploads.abortUpload, { jobId }))).toBe("invalid_state");
    expect(await statusOf(t, jobId)).toBe("UPLOADED");
  });
});

describe("recorded parts are deleted once the upload no longer needs them", () => {
  const partRows = (t: ConvexTestHarness, jobId: Id<"video_jobs">) =>
    t.run(async (ctx) => (await ctx.db.query("upload_parts").collect()).filter((part) => part.jobId === jobId).length);
  const countRows = (t: ConvexTestHarness, jobId: Id<"video_jobs">) =>
    t.run(async (ctx) => (await ctx.db.query("upload_part_counts").collect()).filter((row) => row.jobId === jobId).length);

  test("after the upload completes, and after one that fails", async () => {
    const completed = await jobWithEveryPartUploaded(16 * MiB + 10);
    expect(await partRows(completed.t, completed.jobId)).toBe(3);
    expect(await countRows(completed.t, completed.jobId)).toBe(3);
    await completed.as.action(api.uploads.completeUpload, { jobId: completed.jobId });
    await completed.t.finishAllScheduledFunctions(() => {});
    expect(await statusOf(completed.t, completed.jobId)).toBe("UPLOADED");
    expect(await partRows(completed.t, completed.jobId)).toBe(0);
    expect(await countRows(completed.t, completed.jobId)).toBe(0);

    const canceled = await jobWithEveryPartUploaded(16 * MiB + 10);
    await canceled.as.mutation(api.jobs.cancel, { jobId: canceled.jobId });
    await canceled.t.finishAllScheduledFunctions(() => {});
    expect(await partRows(canceled.t, canceled.jobId)).toBe(0);
    expect(await countRows(canceled.t, canceled.jobId)).toBe(0);
  }, 30_000);

  test(`in batches of ${PART_DELETE_BATCH}, leaving other jobs' parts alone`, async () => {
    const t = newConvexTest();
    const { userId } = await signInAsNewUser(t);
    const [big, other] = [await insertJobAwaitingUpload(t, userId), await insertJobAwaitingUpload(t, userId)];
    await t.run(async (ctx) => {
      for (let partNumber = 1; partNumber <= 2 * PART_DELETE_BATCH + 1; partNumber++) {
        await ctx.db.insert("upload_parts", { jobId: big, partNumber, etag: '"e"', size: 1, reportedAt: 0 });
      }
      await ctx.db.insert("upload_parts", { jobId: other, partNumber: 1, etag: '"e"', size: 1, reportedAt: 0 });
    });
    await t.mutation(internal.uploads.dropRecordedParts, { jobId: big });
    expect(await partRows(t, big)).toBe(PART_DELETE_BATCH + 1);
    await t.finishAllScheduledFunctions(() => {});
    expect(await partRows(t, big)).toBe(0);
    expect(await partRows(t, other)).toBe(1);
  }, 30_000);
});

describe("a failed job's stored source is deleted", () => {
  async function uploadedJob() {
    const uploaded = await jobWithEveryPartUploaded(2000);
    await uploaded.as.action(api.uploads.completeUpload, { jobId: uploaded.jobId });
    expect(await storedSize(`sources/${uploaded.jobId}/source`)).toBe(2000);
    return uploaded;
  }

  test("when the user cancels the job after the upload finished", async () => {
    const { t, as, jobId } = await uploadedJob();
    await as.mutation(api.jobs.cancel, { jobId });
    await t.finishAllScheduledFunctions(() => {});
    expect(await statusOf(t, jobId)).toBe("FAILED");
    expect(await storedSize(`sources/${jobId}/source`)).toBeNull();
  });

  /** A worker claims the uploaded job and reports `code`. */
  async function workerReports(t: ConvexTestHarness, jobId: Id<"video_jobs">, code: "not_a_video" | "processing_error") {
    await t.run((ctx) => ctx.db.patch("video_jobs", jobId, { notBefore: 0 }));
    const claimed = (await t.mutation(internal.workerQueue.claimJob, { workerId: "w1" }))!;
    expect(claimed.jobId).toBe(jobId);
    await t.mutation(internal.workerQueue.failClaimedJob, { jobId, claimToken: claimed.claimToken, code, message: "The worker's reason." });
    await t.finishAllScheduledFunctions(() => {});
  }

  test("when the worker finds it is not a video", async () => {
    const { t, jobId } = await uploadedJob();
    await workerReports(t, jobId, "not_a_video");
    expect((await readJob(t, jobId))!).toMatchObject({ status: "FAILED", failure: { code: "not_a_video" } });
    expect(await storedSize(`sources/${jobId}/source`)).toBeNull();
  });

  test("but not when the job is only handed back for another try", async () => {
    const { t, jobId } = await uploadedJob();
    await workerReports(t, jobId, "processing_error");
    expect(await statusOf(t, jobId)).toBe("UPLOADED");
    expect(await storedSize(`sources/${jobId}/source`)).toBe(2000);
  });
});

describe("the abandoned-upload janitor", () => {
  test("fails uploads idle for longer than UPLOAD_ABANDON_HOURS and aborts them; active ones stay", async () => {
    const t = newConvexTest();
    const aborted = recordAbortedUploads();
    const idle = await signedInWithJob(t);
    const active = await signedInWithJob(t);
    const resumed = await signedInWithJob(t);
    for (const { as, jobId } of [idle, active, resumed]) {
      await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(100).description });
    }
    const dayAndAHourAgo = Date.now() - 25 * 3_600_000;
    for (const { jobId } of [idle, resumed]) {
      await t.run((ctx) => ctx.db.patch("video_jobs", jobId, { lastActivityAt: dayAndAHourAgo }));
    }
    // Asking for part URLs is activity: this one comes back before the janitor runs.
    await resumed.as.action(api.uploads.getUploadPartUrls, { jobId: resumed.jobId, parts: [{ partNumber: 1 }] });

    await t.mutation(internal.uploadJanitor.failAbandonedUploads, {});
    await t.finishAllScheduledFunctions(() => {});

    expect((await readJob(t, idle.jobId))!).toMatchObject({ status: "FAILED", failure: { code: "upload_abandoned" } });
    expect(await statusOf(t, active.jobId)).toBe("UPLOAD_READY");
    expect(await statusOf(t, resumed.jobId)).toBe("UPLOADING");
    expect(aborted).toEqual([(await readJob(t, idle.jobId))!.upload!.uploadId]);
  });

  test("asking for part URLs keeps an upload already in UPLOADING from looking idle", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(100).description });
    await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] });
    expect(await statusOf(t, jobId)).toBe("UPLOADING");
    // A long upload, started recently, whose activity was last recorded a day and an hour ago.
    await t.run((ctx) => ctx.db.patch("video_jobs", jobId, { lastActivityAt: Date.now() - 25 * 3_600_000 }));
    await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] });

    await t.mutation(internal.uploadJanitor.failAbandonedUploads, {});
    await t.finishAllScheduledFunctions(() => {});
    expect(await statusOf(t, jobId)).toBe("UPLOADING");
  });

  test("works through a backlog in batches", async () => {
    const t = newConvexTest();
    const aborted = recordAbortedUploads();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { userId } = await signInAsNewUser(t);
    const jobIds: Id<"video_jobs">[] = [];
    for (let i = 0; i < 101; i++) {
      const jobId = await insertJobAwaitingUpload(t, userId);
      // Fixture: a session as prepareUpload stores it, without a round trip to storage per job.
      await t.run(async (ctx) => {
        const job = (await ctx.db.get("video_jobs", jobId))!;
        await transitionJob(ctx, job, "UPLOAD_READY", {
          actor: "user",
          patch: {
            upload: {
              uploadId: `upload-${i}`,
              key: `sources/${jobId}/source`,
              partSize: 8 * MiB,
              partCount: 1,
              fileName: "a.mp4",
              fileSize: 10,
              fileType: "video/mp4",
              lastModified: 0,
              startedAt: 0,
            },
          },
        });
        await ctx.db.patch("video_jobs", jobId, { lastActivityAt: 0 });
      });
      jobIds.push(jobId);
    }
    await t.mutation(internal.uploadJanitor.failAbandonedUploads, {});
    await t.finishAllScheduledFunctions(() => {});
    const statuses = await Promise.all(jobIds.map((jobId) => statusOf(t, jobId)));
    expect(statuses.every((status) => status === "FAILED")).toBe(true);
    expect(aborted.sort()).toEqual(Array.from({ length: 101 }, (_, i) => `upload-${i}`).sort());
  }, 30_000);

  test("fails an upload still unfinished 6 days after it started, however active it is kept", async () => {
    const t = newConvexTest();
    const aborted = recordAbortedUploads();
    const overdue = await signedInWithJob(t);
    const young = await signedInWithJob(t);
    for (const { as, jobId } of [overdue, young]) {
      await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(100).description });
    }
    const startedAgo = async (jobId: Id<"video_jobs">, ms: number) =>
      t.run(async (ctx) => {
        const { upload } = (await ctx.db.get("video_jobs", jobId))!;
        await ctx.db.patch("video_jobs", jobId, { upload: { ...upload!, startedAt: Date.now() - ms } });
      });
    await startedAgo(overdue.jobId, MAX_UPLOAD_SESSION_MS + 60_000);
    await startedAgo(young.jobId, MAX_UPLOAD_SESSION_MS - 60_000);
    // Both ask for URLs now (the way to keep a session from looking idle).
    for (const { as, jobId } of [overdue, young]) {
      await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] });
    }

    await t.mutation(internal.uploadJanitor.failAbandonedUploads, {});
    await t.finishAllScheduledFunctions(() => {});
    expect((await readJob(t, overdue.jobId))!).toMatchObject({ status: "FAILED", failure: { code: "upload_abandoned" } });
    expect(await statusOf(t, young.jobId)).toBe("UPLOADING");
    expect(aborted).toEqual([(await readJob(t, overdue.jobId))!.upload!.uploadId]);
  });

  test("the idle window comes from UPLOAD_ABANDON_HOURS", async () => {
    vi.stubEnv("UPLOAD_ABANDON_HOURS", "72");
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(100).description });
    await t.run((ctx) => ctx.db.patch("video_jobs", jobId, { lastActivityAt: Date.now() - 48 * 3_600_000 }));
    await t.mutation(internal.uploadJanitor.failAbandonedUploads, {});
    expect(await statusOf(t, jobId)).toBe("UPLOAD_READY");
  });

  test("is registered as a cron", async () => {
    const crons = (await import("./crons")).default as unknown as { crons: Record<string, { name: string }> };
    expect(Object.values(crons.crons).map((c) => c.name)).toContain("uploadJanitor:failAbandonedUploads");
  });
});

describe("sizes are checked against the plan", () => {
  test("a reported size that is not the part's planned size is refused", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: makeTestFile(8 * MiB + 5).description });
    await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }, { partNumber: 2 }] });
    const etag = '"0123456789abcdef0123456789abcdef"';
    expect(
      await codeOf(as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 2, etag, size: 8 * MiB })),
    ).toBe("size_mismatch");
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 2, etag, size: 5 });
    await as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag, size: 8 * MiB });
    expect((await recordedRows(t, jobId)).map((p) => p.size)).toEqual([8 * MiB, 5]);
  });
});
