// @vitest-environment node
// The embedded S3 server and the AWS SDK's Node build need Node, as the storage actions do in Convex.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { MiB } from "./lib/partPlan";
import { insertCreatedJob } from "./model/jobTransitions";
import { signPartUploadUrls } from "./model/multipartStorage";
import { createS3Client } from "./model/s3Client";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import {
  codeOf,
  errorOf,
  insertJobAwaitingUpload,
  makeTestFile,
  crc32cBase64,
  putPart,
  readJob,
  startTestStorage,
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
});

async function signedInWithJob(t: ConvexTestHarness, options?: { rightsConfirmed?: boolean }) {
  const { userId, as } = await signInAsNewUser(t);
  const jobId = await insertJobAwaitingUpload(t, userId, options);
  return { userId, as, jobId };
}

/** A job in UPLOADING with a 3-part plan (8 MiB, 8 MiB, 100 bytes). */
async function uploadingJob(t: ConvexTestHarness) {
  const owner = await signedInWithJob(t);
  await owner.as.action(api.uploads.prepareUpload, {
    jobId: owner.jobId,
    file: makeTestFile(16 * MiB + 100).description,
  });
  await owner.as.action(api.uploads.getUploadPartUrls, { jobId: owner.jobId, parts: [{ partNumber: 1 }] });
  return owner;
}

const fileOf = (overrides: Partial<{ name: string; size: number; type: string; lastModified: number }> = {}) => ({
  name: "clip.mp4",
  size: 1000,
  type: "video/mp4",
  lastModified: 0,
  ...overrides,
});

async function eventCount(t: ConvexTestHarness, jobId: Id<"video_jobs">) {
  return (await t.run((ctx) => ctx.db.query("job_events").collect())).filter((e) => e.jobId === jobId).length;
}

describe("who may call", () => {
  test("every upload function requires a signed-in user", async () => {
    const t = newConvexTest();
    const { jobId } = await uploadingJob(t);
    const calls = [
      t.action(api.uploads.prepareUpload, { jobId, file: fileOf() }),
      t.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] }),
      t.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"ab"' }),
      t.action(api.uploads.completeUpload, { jobId }),
      t.mutation(api.uploads.abortUpload, { jobId }),
      t.query(api.uploads.uploadSession, { jobId }),
    ];
    for (const call of calls) expect(await codeOf(call)).toBe("unauthenticated");
  });

  test("another user's job reads as missing, and nothing about it changes", async () => {
    const t = newConvexTest();
    const { jobId } = await uploadingJob(t);
    const { as: stranger } = await signInAsNewUser(t);
    const fresh = await signedInWithJob(t);
    const before = await readJob(t, jobId);
    const calls = [
      stranger.action(api.uploads.prepareUpload, { jobId: fresh.jobId, file: fileOf() }),
      stranger.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 2 }] }),
      stranger.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: '"ab"' }),
      stranger.action(api.uploads.completeUpload, { jobId }),
      stranger.mutation(api.uploads.abortUpload, { jobId }),
    ];
    for (const call of calls) expect(await codeOf(call)).toBe("not_found");
    expect(await stranger.query(api.uploads.uploadSession, { jobId })).toBeNull();
    expect(await readJob(t, jobId)).toEqual(before);
    expect((await readJob(t, fresh.jobId))!.status).toBe("META_READY");
    expect(await t.run((ctx) => ctx.db.query("upload_parts").collect())).toEqual([]);
  });
});

describe("prepareUpload refuses", () => {
  test("a job whose rights are not confirmed", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t, { rightsConfirmed: false });
    expect(await codeOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf() }))).toBe("rights_required");
    expect((await readJob(t, jobId))!.status).toBe("META_READY");
  });

  test("rights confirmed against an older statement", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await t.run(async (ctx) => {
      const job = (await ctx.db.get("video_jobs", jobId))!;
      await ctx.db.patch("video_jobs", jobId, { rights: { ...job.rights!, statementVersion: "2000-01-01" } });
    });
    expect(await codeOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf() }))).toBe("stale_statement");
  });

  test("a job in the wrong state", async () => {
    const t = newConvexTest();
    const { userId, as, jobId } = await uploadingJob(t);
    expect(await codeOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf() }))).toBe("invalid_state");
    const created = await t.run((ctx) =>
      insertCreatedJob(
        ctx,
        { ownerId: userId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" },
        "user",
      ),
    );
    expect(await codeOf(as.action(api.uploads.prepareUpload, { jobId: created, file: fileOf() }))).toBe(
      "invalid_state",
    );
  });

  test.each([
    ["an empty file", { size: 0 }, "file_empty"],
    ["a file over the default 20 GiB limit", { size: 20 * 1024 * MiB + 1 }, "file_too_large"],
    ["a fractional size", { size: 10.5 }, "invalid_argument"],
    ["a negative size", { size: -1 }, "invalid_argument"],
    ["a PDF", { type: "application/pdf" }, "not_a_video_type"],
    ["an unknown type", { type: "" }, "not_a_video_type"],
    ["a bare video/", { type: "video/" }, "not_a_video_type"],
    ["a type with parameters", { type: "video/mp4; codecs=avc1" }, "not_a_video_type"],
    ["an empty name", { name: "" }, "invalid_argument"],
  ])("%s", async (_label, overrides, code) => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const error = await errorOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf(overrides) }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^[A-Z].*\.$/);
    expect((await readJob(t, jobId))!.status).toBe("META_READY");
  });

  test("a file over MAX_UPLOAD_BYTES, which is read at call time", async () => {
    vi.stubEnv("MAX_UPLOAD_BYTES", String(10 * MiB));
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const error = await errorOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf({ size: 10 * MiB + 1 }) }));
    expect(error).toMatchObject({
      code: "file_too_large",
      maxBytes: 10 * MiB,
      message: "The file is larger than the 10 MiB limit.",
    });
  });

  test("a malformed first-part fingerprint", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = { ...fileOf(), firstPartCrc32c: "not-a-checksum" };
    expect(await codeOf(as.action(api.uploads.prepareUpload, { jobId, file }))).toBe("invalid_checksum");
    expect((await readJob(t, jobId))!.status).toBe("META_READY");
  });

  test("never builds the key from the file name", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: fileOf({ name: "../../etc/passwd?x=1#.mp4" }) });
    const { upload } = (await readJob(t, jobId))!;
    expect(upload!.key).toBe(`sources/${jobId}/source`);
    expect(upload!.fileName).toBe("../../etc/passwd?x=1#.mp4");
  });
});

describe("storage failures leave nothing half-written", () => {
  test("without storage settings: storage_error, and the job stays META_READY", async () => {
    vi.stubEnv("R2_SECRET_ACCESS_KEY", "");
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = await errorOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf() }));
    expect(error).toMatchObject({ code: "storage_error", message: "Storage is not configured." });
    expect(errors.mock.calls.flat().join(" ")).toContain("R2_SECRET_ACCESS_KEY is not set");
    expect((await readJob(t, jobId))!.status).toBe("META_READY");
    expect(await eventCount(t, jobId)).toBe(2);
  });

  test("a failed CreateMultipartUpload: storage_error, and the job stays META_READY", async () => {
    vi.stubEnv("R2_SECRET_ACCESS_KEY", "not-the-secret");
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = await errorOf(as.action(api.uploads.prepareUpload, { jobId, file: fileOf() }));
    expect(error).toMatchObject({ code: "storage_error", storageCode: "SignatureDoesNotMatch" });
    expect(JSON.stringify([error, errors.mock.calls])).not.toContain("not-the-secret");
    const job = (await readJob(t, jobId))!;
    expect(job.status).toBe("META_READY");
    expect(job.upload).toBeUndefined();
    expect(await eventCount(t, jobId)).toBe(2);
  });

  test("getUploadPartUrls without storage settings does not move the job", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: fileOf() });
    vi.stubEnv("R2_ENDPOINT", "");
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] }))).toBe(
      "storage_error",
    );
    expect((await readJob(t, jobId))!.status).toBe("UPLOAD_READY");
  });
});

describe("getUploadPartUrls refuses", () => {
  test("part numbers outside the plan", async () => {
    const t = newConvexTest();
    const { as, jobId } = await uploadingJob(t);
    for (const partNumber of [0, -1, 4, 1.5, 10_001]) {
      const error = await errorOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber }] }));
      expect(error).toMatchObject({ code: "part_out_of_range", partCount: 3 });
    }
  });

  test("the same part twice in one batch, an empty batch and an oversized one", async () => {
    const t = newConvexTest();
    const { as, jobId } = await uploadingJob(t);
    const duplicate = [{ partNumber: 2 }, { partNumber: 2 }];
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: duplicate }))).toBe(
      "invalid_argument",
    );
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [] }))).toBe("invalid_argument");
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 }));
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: tooMany }))).toBe("invalid_argument");
  });

  test("a malformed CRC32C, naming the part", async () => {
    const t = newConvexTest();
    const { as, jobId } = await uploadingJob(t);
    // Empty, hex, an MD5's base64 (16 bytes), 4 bytes with a stray character, padding missing, bits below the 4th byte set.
    for (const checksumCrc32c of ["", "e3069283", "1B2M2Y8AsgTpgAmY7PhCfg==", "4waSgw=x", "4waSgw", "4waSgx=="]) {
      expect(
        await errorOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 2, checksumCrc32c }] })),
      ).toMatchObject({ code: "invalid_checksum", partNumber: 2 });
    }
  });

  test("a job in the wrong state", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    expect(await codeOf(as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1 }] }))).toBe(
      "invalid_state",
    );
    expect((await readJob(t, jobId))!.status).toBe("META_READY");
  });
});

describe("reportUploadedPart refuses", () => {
  test("out-of-range part numbers, malformed ETags and a wrong state", async () => {
    const t = newConvexTest();
    const { as, jobId } = await uploadingJob(t);
    const etag = '"0123456789abcdef0123456789abcdef"';
    for (const partNumber of [0, 4, 2.5]) {
      expect(await codeOf(as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber, etag }))).toBe(
        "part_out_of_range",
      );
    }
    for (const bad of ["", '"', "abc<def>", `"${"a".repeat(200)}"`]) {
      expect(await codeOf(as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag: bad }))).toBe(
        "invalid_argument",
      );
    }
    await as.mutation(api.uploads.abortUpload, { jobId });
    expect(await codeOf(as.mutation(api.uploads.reportUploadedPart, { jobId, partNumber: 1, etag }))).toBe(
      "invalid_state",
    );
    expect(await t.run((ctx) => ctx.db.query("upload_parts").collect())).toEqual([]);
  });
});

describe("completeUpload refuses", () => {
  test("a job whose upload never started, and one with no part recorded yet", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    expect(await codeOf(as.action(api.uploads.completeUpload, { jobId }))).toBe("invalid_state");
    await as.action(api.uploads.prepareUpload, { jobId, file: fileOf() });
    expect(await errorOf(as.action(api.uploads.completeUpload, { jobId }))).toMatchObject({
      code: "parts_missing",
      missingPartNumbers: [1],
      message: "Part 1 has not been uploaded yet.",
    });
    expect((await readJob(t, jobId))!.status).toBe("UPLOAD_READY");
  });
});

describe("presigned URLs", () => {
  async function signedPart(t: ConvexTestHarness, body: Uint8Array, checksumCrc32c?: string) {
    const { as, jobId } = await signedInWithJob(t);
    await as.action(api.uploads.prepareUpload, { jobId, file: fileOf({ size: body.length }) });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 1, checksumCrc32c }] });
    return urls[0]!;
  }

  test("carry no checksum of an empty body: only the part's real CRC32C, as a signed header, never in the query", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(16 * MiB + 1);
    const checksumOf = (partNumber: number) => crc32cBase64(file.bytes.subarray((partNumber - 1) * 8 * MiB, partNumber * 8 * MiB));
    const prepared = await as.action(api.uploads.prepareUpload, {
      jobId,
      file: file.description,
      parts: [{ partNumber: 1, checksumCrc32c: checksumOf(1) }],
    });
    const withChecksum = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 3, checksumCrc32c: checksumOf(3) }] });
    const withoutChecksum = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 2 }] });
    const all = [...prepared.urls, ...withChecksum.urls, ...withoutChecksum.urls];
    expect(all).toHaveLength(3);
    for (const { url } of all) {
      const names = [...new URL(url).searchParams.keys()].map((name) => name.toLowerCase());
      expect(
        names.filter((name) => name.startsWith("x-amz-checksum") || name === "x-amz-sdk-checksum-algorithm"),
      ).toEqual([]);
      expect(names).not.toContain("content-md5");
    }
    for (const [signedUrl, partNumber] of [[prepared.urls[0]!, 1], [withChecksum.urls[0]!, 3]] as const) {
      const signed = new URL(signedUrl.url).searchParams.get("X-Amz-SignedHeaders");
      expect(signed!.split(";")).toEqual(["content-length", "host", "x-amz-checksum-crc32c"]);
      expect(signedUrl.headers).toEqual({ "x-amz-checksum-crc32c": checksumOf(partNumber) });
    }
    expect(new URL(withoutChecksum.urls[0]!.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
    expect(withoutChecksum.urls[0]!.headers).toBeUndefined();
  });

  test("a part URL takes exactly the part's planned size: no more (a 20 GiB plan cannot take 5 GiB parts), no less", async () => {
    const t = newConvexTest();
    const { as, jobId } = await signedInWithJob(t);
    const file = makeTestFile(8 * MiB + 100);
    const prepared = await as.action(api.uploads.prepareUpload, { jobId, file: file.description, parts: [{ partNumber: 1 }, { partNumber: 2 }] });
    const { urls } = await as.action(api.uploads.getUploadPartUrls, { jobId, parts: [{ partNumber: 2 }] });
    const lastPart = file.bytes.subarray(8 * MiB);
    expect(lastPart.length).toBe(100);
    const padded = new Uint8Array(1 * MiB);
    padded.set(lastPart);
    // Both the first batch (prepareUpload) and a later one (getUploadPartUrls) are bound.
    for (const { url } of [urls[0]!, prepared.urls[1]!]) {
      expect((await putPart(url, padded)).status).toBe(403);
      expect((await putPart(url, lastPart.subarray(1))).status).toBe(403);
    }
    expect((await putPart(prepared.urls[0]!.url, file.bytes.subarray(0, 8 * MiB + 1))).status).toBe(403);
    expect((await putPart(urls[0]!.url, lastPart)).status).toBe(200);
    expect((await putPart(prepared.urls[0]!.url, file.bytes.subarray(0, 8 * MiB))).status).toBe(200);
  });

  test("a URL signed with a CRC32C is refused without that exact header (a swapped checksum breaks the signature)", async () => {
    const t = newConvexTest();
    const body = makeTestFile(1000).bytes;
    const { url, headers } = await signedPart(t, body, crc32cBase64(body));
    expect((await putPart(url, body)).status).toBe(403);
    expect((await putPart(url, body, { "x-amz-checksum-crc32c": crc32cBase64(body.subarray(1)) })).status).toBe(403);
    expect((await putPart(url, body, headers)).status).toBe(200);
  });

  test("storage refuses a body that is not the signed part: one flipped byte is 400 BadDigest, and the right bytes then go through", async () => {
    const t = newConvexTest();
    const body = makeTestFile(1000).bytes;
    const { url, headers } = await signedPart(t, body, crc32cBase64(body));
    const flipped = body.slice();
    flipped[500] = flipped[500]! ^ 0x01;
    const refused = await fetch(url, { method: "PUT", body: flipped, headers });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("<Code>BadDigest</Code>");
    expect((await putPart(url, body, headers)).status).toBe(200);
  });

  test("a tampered URL is refused by storage", async () => {
    const t = newConvexTest();
    const body = makeTestFile(1000).bytes;
    const { url } = await signedPart(t, body);
    const tampered = (mutate: (u: URL) => void) => {
      const copy = new URL(url);
      mutate(copy);
      return copy.toString();
    };
    const flip = (hex: string) => (hex.endsWith("0") ? `${hex.slice(0, -1)}1` : `${hex.slice(0, -1)}0`);
    const variants = [
      tampered((u) => u.searchParams.set("X-Amz-Signature", flip(u.searchParams.get("X-Amz-Signature")!))),
      tampered((u) => u.searchParams.set("partNumber", "2")),
      tampered((u) => u.searchParams.set("X-Amz-Expires", "604800")),
      tampered((u) => (u.pathname = u.pathname.replace(/source$/, "other"))),
    ];
    for (const variant of variants) expect((await putPart(variant, body)).status).toBe(403);
    expect((await putPart(url, body)).status).toBe(200);
  });

  test("an expired URL is refused by storage; expiresInMs says when", async () => {
    vi.stubEnv("UPLOAD_URL_TTL_SECONDS", "1");
    const t = newConvexTest();
    const body = makeTestFile(1000).bytes;
    const { url, expiresInMs } = await signedPart(t, body);
    const answeredAt = Date.now();
    expect(expiresInMs).toBeGreaterThan(0);
    expect(expiresInMs).toBeLessThanOrEqual(1000);
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("1");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, answeredAt + expiresInMs - Date.now()) + 1500));
    expect((await putPart(url, body)).status).toBe(403);
  });

  test("a URL's lifetime starts at its whole signing second, so expiresInMs leaves out the part of it already gone", async () => {
    const storage = { client: createS3Client(s3), bucket: s3.bucket };
    const target = { key: "sources/job/source", uploadId: "upload-1" };
    const [signed] = await signPartUploadUrls(storage, target, [{ partNumber: 1, size: 10 }], 60, 1_000_500);
    expect(new URL(signed!.url).searchParams.get("X-Amz-Date")).toBe("19700101T001640Z");
    expect(signed).toMatchObject({ expiresInMs: 60_000 - 500, expiresAt: 1_060_000 });
  });

  test("the default lifetime is UPLOAD_URL_TTL_SECONDS' default of an hour", async () => {
    const t = newConvexTest();
    const before = Date.now();
    const { url, expiresInMs, expiresAt } = await signedPart(t, makeTestFile(10).bytes);
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(expiresInMs).toBeGreaterThan(3598_000);
    expect(expiresInMs).toBeLessThanOrEqual(3600_000);
    // For pages loaded before `expiresInMs`: the same expiry on the server's clock.
    expect(expiresAt).toBeGreaterThan(before + 3598_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
  });
});
