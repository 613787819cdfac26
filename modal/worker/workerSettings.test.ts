// @vitest-environment node
import { expect, it } from "vitest";
import { DEFAULT_FFMPEG_THREADS } from "./pipeline/produceArtifacts";
import { readWorkerSettings } from "./workerSettings";

const required = { CONVEX_SITE_URL: "https://example.convex.site/", WORKER_SECRET: "secret" };
const env = (values: Record<string, string>) => ({ NODE_ENV: "test", ...required, ...values }) as NodeJS.ProcessEnv;

it("reads the two required settings and defaults the rest", () => {
  expect(readWorkerSettings(env({ WORKER_ID: "w1" }))).toEqual({
    convexSiteUrl: "https://example.convex.site",
    workerSecret: "secret",
    workerId: "w1",
    concurrency: 1,
    ffmpegThreads: DEFAULT_FFMPEG_THREADS,
    drainClaimMs: undefined,
  });
});

it("takes a drain's claim window from WORKER_DRAIN_CLAIM_SECONDS, when it is a positive number", () => {
  const window = (value: string) => readWorkerSettings(env({ WORKER_DRAIN_CLAIM_SECONDS: value })).drainClaimMs;
  expect(window("3600")).toBe(3_600_000);
  expect(window("0.5")).toBe(500);
  for (const unusable of ["0", "-1", "soon", ""]) expect(window(unusable)).toBeUndefined();
});

it("takes ffmpeg's thread count from WORKER_FFMPEG_THREADS, within 1–16", () => {
  const threads = (value: string) =>
    readWorkerSettings(env({ WORKER_FFMPEG_THREADS: value })).ffmpegThreads;
  expect(threads("4")).toBe(4);
  expect(threads("16")).toBe(16);
  for (const unusable of ["0", "17", "1.5", "many", ""]) {
    expect(threads(unusable)).toBe(DEFAULT_FFMPEG_THREADS);
  }
  expect(DEFAULT_FFMPEG_THREADS).toBe(2);
});
