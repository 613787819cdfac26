// @vitest-environment node
import { expect, it } from "vitest";
import { DEFAULT_FFMPEG_THREADS } from "./pipeline/produceArtifacts";
import { readWorkerSettings, WorkerSettingsError } from "./workerSettings";

const required = { CONVEX_SITE_URL: "https://example.convex.site/", WORKER_SECRET: "secret" };
const env = (values: Record<string, string>) => ({ NODE_ENV: "test", ...required, ...values }) as NodeJS.ProcessEnv;

it("reads the two required settings and defaults the rest", () => {
  expect(readWorkerSettings(env({ WORKER_ID: "w1" }))).toEqual({
    kinds: ["process", "clip"],
    convexSiteUrl: "https://example.convex.site",
    workerSecret: "secret",
    workerId: "w1",
    concurrency: 1,
    shutdownGraceMs: 30_000,
    ffmpegThreads: DEFAULT_FFMPEG_THREADS,
    drainClaimMs: undefined,
  });
});

it("takes a drain's claim window from WORKER_DRAIN_CLAIM_SECONDS, when it is a positive number", () => {
  const window = (value: string) => readWorkerSettings(env({ WORKER_DRAIN_CLAIM_SECONDS: value })).drainClaimMs;
  expect(window("3600")).toBe(3_600_000);
  expect(window("0.5")).toBe(500);
  expect(window("86400")).toBe(86_400_000);
  // Beyond a day (Modal's longest run; past 24.8 days a Node timer would fire at once): unset.
  for (const unusable of ["0", "-1", "soon", "", "86401", "3000000"]) expect(window(unusable)).toBeUndefined();
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

it("takes the shutdown grace from WORKER_SHUTDOWN_GRACE_SECONDS, 0 included", () => {
  const grace = (value: string) => readWorkerSettings(env({ WORKER_SHUTDOWN_GRACE_SECONDS: value })).shutdownGraceMs;
  expect(grace("15")).toBe(15_000);
  expect(grace("0")).toBe(0);
  for (const unusable of ["-1", "soon", ""]) expect(grace(unusable)).toBe(30_000);
});

it("serves the work WORKER_KINDS names, and refuses a kind no worker does", () => {
  const kinds = (value: string) => readWorkerSettings(env({ WORKER_KINDS: value })).kinds;
  expect(kinds("clip")).toEqual(["clip"]);
  expect(kinds(" process , clip ")).toEqual(["process", "clip"]);
  expect(kinds("")).toEqual(["process", "clip"]);
  expect(() => kinds("clip,transcode")).toThrow(WorkerSettingsError);
});
