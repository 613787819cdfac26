// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { api } from "./_generated/api";
import type { EmbeddedS3 } from "../scripts/s3/embeddedS3";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { codeOf, startTestStorage, useStorage } from "./testing/uploadFixtures.testing";
import { insertCreatedJob } from "./model/jobTransitions";
import { createS3Client } from "./model/s3Client";

let s3: EmbeddedS3;
beforeAll(async () => {
  s3 = await startTestStorage();
});
afterAll(async () => {
  await s3.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function jobWithPoster(t: ConvexTestHarness) {
  const owner = await signInAsNewUser(t);
  const { jobId, artifactId } = await t.run(async (ctx) => {
    const jobId = await insertCreatedJob(
      ctx,
      { ownerId: owner.userId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" },
      "user",
    );
    const artifactId = await ctx.db.insert("video_artifacts", {
      jobId,
      kind: "poster",
      index: 0,
      r2Key: `artifacts/${jobId}/poster/0.jpg`,
      contentType: "image/jpeg",
      bytes: 5,
      width: 640,
      height: 360,
      createdAt: 1,
    });
    return { jobId, artifactId };
  });
  await createS3Client(s3).send(
    new PutObjectCommand({ Bucket: s3.bucket, Key: `artifacts/${jobId}/poster/0.jpg`, Body: "hello", ContentType: "image/jpeg" }),
  );
  return { owner, jobId, artifactId };
}

describe("artifacts", () => {
  test("the owner lists them and downloads the stored bytes through a short-lived URL", async () => {
    useStorage(s3);
    const t = newConvexTest();
    const { owner, jobId, artifactId } = await jobWithPoster(t);
    const list = await owner.as.query(api.artifacts.listForJob, { jobId });
    expect(list).toEqual([
      { _id: artifactId, kind: "poster", index: 0, contentType: "image/jpeg", bytes: 5, width: 640, height: 360, createdAt: 1 },
    ]);
    expect(list![0]).not.toHaveProperty("r2Key");
    const { url, expiresInMs } = await owner.as.action(api.artifacts.getDownloadUrl, { artifactId });
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("300");
    expect(expiresInMs).toBeLessThanOrEqual(300_000);
    expect(expiresInMs).toBeGreaterThan(290_000);
    // Still there for pages loaded before `expiresInMs`: the same expiry on the server's clock.
    const { expiresAt } = await owner.as.action(api.artifacts.getDownloadUrl, { artifactId });
    expect(expiresAt - Date.now()).toBeGreaterThan(290_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(300_000);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello");
    // Saved under the video's name (no title here: its id) and the number the page shows.
    expect(response.headers.get("content-disposition")).toContain('filename="dqw4w9wgxcq-poster-1.jpg"');
  });

  test("another user sees nothing and cannot get a URL", async () => {
    useStorage(s3);
    const t = newConvexTest();
    const { jobId, artifactId } = await jobWithPoster(t);
    const intruder = await signInAsNewUser(t);
    expect(await intruder.as.query(api.artifacts.listForJob, { jobId })).toBeNull();
    expect(await codeOf(intruder.as.action(api.artifacts.getDownloadUrl, { artifactId }))).toBe("not_found");
    expect(await codeOf(t.query(api.artifacts.listForJob, { jobId }))).toBe("unauthenticated");
  });
});
