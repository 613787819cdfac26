// @vitest-environment node
// The storage actions run on the AWS SDK's Node build, as they do in Convex.
/**
 * An upload at R2's limit of 10,000 parts, against Convex's value limits (arrays of at most
 * 8,192 elements), which convex-test does not enforce: every answer is checked here.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { CompleteMultipartUploadCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { MAX_PARTS, MiB, computePartPlan } from "./lib/partPlan";
import { addToPartCount, partCountShard, recordUploadedPart } from "./model/uploadParts";
import { expectFitsConvexValue } from "./testing/convexLimits.testing";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadingJob } from "./testing/uploadFixtures.testing";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const FILE_SIZE = MAX_PARTS * 8 * MiB - 123;
const etagOf = (partNumber: number) => `"etag-${partNumber}"`;

/** An UPLOADING job with a 10,000-part plan and the given parts recorded (no storage involved). */
async function uploadWithPartsRecorded(t: ConvexTestHarness, partNumbers: Iterable<number>) {
  const { userId, as } = await signInAsNewUser(t);
  expect(computePartPlan(FILE_SIZE).partCount).toBe(MAX_PARTS);
  const jobId = await insertUploadingJob(t, userId, FILE_SIZE);
  // Written directly (rows and counts as a report writes them): convex-test scans a table for
  // every indexed lookup, so 10,000 reports through the mutation would take minutes. One real
  // report shows the rows look the same.
  const [first, ...rest] = [...partNumbers];
  const { size, reportedAt } = await t.run(async (ctx) => {
    await recordUploadedPart(ctx, userId, { jobId, partNumber: first!, etag: etagOf(first!) });
    return (await ctx.db.query("upload_parts").first())!;
  });
  await t.run(async (ctx) => {
    const counted = new Map<number, number>();
    for (const partNumber of rest) {
      await ctx.db.insert("upload_parts", { jobId, partNumber, etag: etagOf(partNumber), size, reportedAt });
      counted.set(partCountShard(partNumber), (counted.get(partCountShard(partNumber)) ?? 0) + 1);
    }
    for (const [shard, added] of counted) await addToPartCount(ctx, jobId, shard, added);
  });
  return { userId, as, jobId };
}

/** Storage settings for actions whose S3 calls the test answers itself. */
function configureStorage(): void {
  vi.stubEnv("R2_ENDPOINT", "https://account.r2.cloudflarestorage.com");
  vi.stubEnv("R2_BUCKET", "bucket");
  vi.stubEnv("R2_ACCESS_KEY_ID", "key");
  vi.stubEnv("R2_SECRET_ACCESS_KEY", "secret");
}

const allParts = () => Array.from({ length: MAX_PARTS }, (_, i) => i + 1);

/** Every page of `read`, each checked against Convex's value limits, joined. */
async function readAllPages<T>(read: (afterPartNumber: number | undefined) => Promise<{ continueAfter: number | null } & T>) {
  const pages: T[] = [];
  let after: number | undefined;
  for (let calls = 0; calls < 100; calls++) {
    const page = await read(after);
    expectFitsConvexValue(page);
    pages.push(page);
    if (page.continueAfter === null) return pages;
    after = page.continueAfter;
  }
  throw new Error("the pages never ended");
}

describe("an upload of 10,000 parts, R2's limit", () => {
  test("every answer about it fits Convex's value limits, and the pages name every recorded part", async () => {
    const t = newConvexTest();
    const { userId, as, jobId } = await uploadWithPartsRecorded(t, allParts());

    const session = await as.query(api.uploads.uploadSession, { jobId });
    expectFitsConvexValue(session);
    expect(session).toMatchObject({ status: "UPLOADING", partCount: MAX_PARTS, partsRecorded: MAX_PARTS });

    const plan = await t.query(internal.uploads.planCompletion, { userId, jobId });
    expectFitsConvexValue(plan);
    expect(plan).toMatchObject({ state: "ready", partCount: MAX_PARTS, fileSize: FILE_SIZE });

    // What the completing action reads, page by page.
    const completionPages = await readAllPages((afterPartNumber) =>
      t.query(internal.uploads.completionParts, { userId, jobId, ...(afterPartNumber === undefined ? {} : { afterPartNumber }) }),
    );
    expect(completionPages.length).toBeGreaterThan(1);
    expect(completionPages.flatMap((page) => page.parts)).toEqual(
      // The fixture writes every row with the first part's size.
      allParts().map((partNumber) => ({ partNumber, etag: etagOf(partNumber), size: 8 * MiB })),
    );

    // What a resuming browser reads, page by page.
    const resumePages = await readAllPages((afterPartNumber) =>
      as
        .query(api.uploads.recordedPartNumbers, { jobId, ...(afterPartNumber === undefined ? {} : { afterPartNumber }) })
        .then((page) => page!),
    );
    expect(resumePages.flatMap((page) => page.partNumbers)).toEqual(allParts());
  }, 120_000);

  test("completing sends storage all 10,000 recorded parts in order, and the job is uploaded", async () => {
    configureStorage();
    const t = newConvexTest();
    const { as, jobId } = await uploadWithPartsRecorded(t, allParts());
    const completed: { PartNumber?: number; ETag?: string }[][] = [];
    vi.spyOn(S3Client.prototype, "send").mockImplementation(async (command: unknown) => {
      if (command instanceof CompleteMultipartUploadCommand) {
        completed.push(command.input.MultipartUpload?.Parts ?? []);
        return {};
      }
      if (command instanceof HeadObjectCommand) return { ContentLength: FILE_SIZE };
      throw new Error(`unexpected ${String(command)}`);
    });

    await as.action(api.uploads.completeUpload, { jobId });
    expect(completed).toHaveLength(1);
    expect(completed[0]).toEqual(allParts().map((partNumber) => ({ PartNumber: partNumber, ETag: etagOf(partNumber) })));
    expect((await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!.status).toBe("UPLOADED");
  }, 120_000);

  test("a part missing anywhere in the pages is named, and nothing is sent to storage", async () => {
    configureStorage();
    const t = newConvexTest();
    const missing = new Set([4_321, 9_999]);
    const { as, jobId } = await uploadWithPartsRecorded(t, allParts().filter((n) => !missing.has(n)));
    const send = vi.spyOn(S3Client.prototype, "send");
    const error = await as.action(api.uploads.completeUpload, { jobId }).then(
      () => null,
      (e: unknown) => (e as { data?: unknown }).data,
    );
    expect(error).toMatchObject({ code: "parts_missing", missingCount: 2, missingPartNumbers: [4_321, 9_999] });
    expect(send).not.toHaveBeenCalled();
    expect((await t.run((ctx) => ctx.db.get("video_jobs", jobId as Id<"video_jobs">)))!.status).toBe("UPLOADING");
  }, 120_000);
});
