/** Jobs in a given state, as fixture data for convex-test suites (`.testing.ts`: never deployed). */
import type { Id } from "../_generated/dataModel";
import { insertCreatedJob } from "../model/jobTransitions";
import { signInAsNewUser, type ConvexTestHarness } from "./convexTest.testing";

export const TEST_VIDEO_ID = "dQw4w9WgXcQ";

/** A job whose upload has finished: UPLOADED, claimable from `notBefore`, owned by a new guest. */
export async function insertUploadedJob(
  t: ConvexTestHarness,
  {
    notBefore = Date.now() - 1,
    fileSize = 1000,
    crc32c,
    ownerId,
  }: { notBefore?: number; fileSize?: number; crc32c?: string; ownerId?: Id<"users"> } = {},
): Promise<Id<"video_jobs">> {
  const userId = ownerId ?? (await signInAsNewUser(t)).userId;
  return await t.run(async (ctx) => {
    const jobId = await insertCreatedJob(
      ctx,
      { ownerId: userId, sourceUrl: `https://www.youtube.com/watch?v=${TEST_VIDEO_ID}`, videoId: TEST_VIDEO_ID },
      "user",
    );
    const key = `sources/${jobId}/source`;
    // Fixture data: written directly rather than walked through every transition.
    await ctx.db.patch("video_jobs", jobId, {
      status: "UPLOADED",
      notBefore,
      r2SourceKey: key,
      upload: {
        uploadId: "upload-id",
        key,
        partSize: 8 * 1024 * 1024,
        partCount: 1,
        fileName: "a.mp4",
        fileSize,
        fileType: "video/mp4",
        lastModified: 0,
        startedAt: 0,
        ...(crc32c === undefined ? {} : { crc32c }),
      },
    });
    return jobId;
  });
}
