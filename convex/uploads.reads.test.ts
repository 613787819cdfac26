/**
 * What watching an upload costs: another tab or device subscribes to `uploads.uploadSession`,
 * which Convex re-runs after every part report. Its document reads per run must not grow with
 * the parts recorded, or a 2,560-part upload (20 GiB) costs millions of reads.
 */
import { describe, expect, test } from "vitest";
import type { Id } from "./_generated/dataModel";
import { computePartPlan, MiB } from "./lib/partPlan";
import { PART_COUNT_SHARDS, partCountShard, recordUploadedPart } from "./model/uploadParts";
import { describeUploadSession } from "./model/uploadSessions";
import { countingReader } from "./testing/readCounter.testing";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertUploadingJob } from "./testing/uploadFixtures.testing";

const FILE_SIZE = 20 * 1024 * MiB;

async function uploadingJob(t: ConvexTestHarness) {
  const { userId } = await signInAsNewUser(t);
  const jobId = await insertUploadingJob(t, userId, FILE_SIZE);
  return { userId, jobId, partCount: computePartPlan(FILE_SIZE).partCount };
}

/** One run of the live view, as Convex re-runs it after a report: its answer and the documents it read. */
async function watch(t: ConvexTestHarness, userId: Id<"users">, jobId: Id<"video_jobs">) {
  return await t.run(async (ctx) => {
    const { db, reads } = countingReader(ctx.db);
    const session = await describeUploadSession({ ...ctx, db }, userId, jobId);
    return { partsRecorded: session!.partsRecorded, reads: reads() };
  });
}

describe("watching an upload from another tab", () => {
  test("costs the same few reads per report however many parts are recorded: 2,560 parts, reports 4 at a time", async () => {
    const t = newConvexTest();
    const { userId, jobId, partCount } = await uploadingJob(t);
    expect(partCount).toBe(2_560);
    const readsPerRun: number[] = [];
    // The engine's pool of 4 reports its parts about in order, several at once.
    for (let first = 1; first <= partCount; first += 4) {
      const batch = [first, first + 1, first + 2, first + 3].filter((n) => n <= partCount);
      await Promise.all(
        batch.map((partNumber) =>
          t.run((ctx) => recordUploadedPart(ctx, userId, { jobId, partNumber, etag: `"e${partNumber}"` })),
        ),
      );
      for (const partNumber of batch) {
        const run = await watch(t, userId, jobId);
        expect(run.partsRecorded).toBeGreaterThanOrEqual(partNumber - batch.length + 1);
        readsPerRun.push(run.reads);
      }
    }
    expect((await watch(t, userId, jobId)).partsRecorded).toBe(partCount);
    const total = readsPerRun.reduce((sum, reads) => sum + reads, 0);
    console.log(`uploadSession re-run after each of ${partCount} reports: ${total} document reads, at most ${Math.max(...readsPerRun)} per run`);
    // The job and the progress counters; nothing per part.
    expect(Math.max(...readsPerRun)).toBeLessThanOrEqual(1 + PART_COUNT_SHARDS);
    expect(total).toBeLessThanOrEqual(partCount * (1 + PART_COUNT_SHARDS));
  }, 300_000);

  test("parts reported together count on different rows, so their reports do not conflict", async () => {
    const t = newConvexTest();
    const { userId, jobId } = await uploadingJob(t);
    // Two rounds of the engine's pool of 4, from part 9: 9–12, then 13–16.
    for (const partNumber of [9, 10, 11, 12, 13, 14, 15, 16]) {
      await t.run((ctx) => recordUploadedPart(ctx, userId, { jobId, partNumber, etag: `"e${partNumber}"` }));
    }
    const rows = await t.run((ctx) => ctx.db.query("upload_part_counts").collect());
    expect(new Set([9, 10, 11, 12].map(partCountShard)).size).toBe(4);
    expect(rows).toHaveLength(PART_COUNT_SHARDS);
    expect(rows.map((row) => row.count)).toEqual(Array(PART_COUNT_SHARDS).fill(1));
    expect((await watch(t, userId, jobId)).partsRecorded).toBe(8);
  });
});
