/** READY jobs with their source kept, for the clip and task suites (`.testing.ts`: never deployed). */
import type { Id } from "../_generated/dataModel";
import type { Media } from "../lib/validators";
import { insertUploadedJob } from "./jobFixtures.testing";
import type { ConvexTestHarness } from "./convexTest.testing";

export const LANDSCAPE_MEDIA: Media = {
  durationSec: 6,
  width: 1280,
  height: 720,
  fps: 30,
  rotation: 0,
  videoCodec: "h264",
  audioCodec: "aac",
  hasAudio: true,
};

/** A job that went through processing: READY, its media probed, its source kept since `readyAt`. */
export async function insertReadyJob(
  t: ConvexTestHarness,
  { ownerId, media = LANDSCAPE_MEDIA, readyAt = Date.now() }: { ownerId?: Id<"users">; media?: Media; readyAt?: number } = {},
): Promise<Id<"video_jobs">> {
  const jobId = await insertUploadedJob(t, { ownerId });
  await t.run(async (ctx) => {
    // Fixture data: written directly rather than walked through processing.
    await ctx.db.patch("video_jobs", jobId, { status: "READY", notBefore: undefined, media, sourceKeptSince: readyAt });
  });
  return jobId;
}
