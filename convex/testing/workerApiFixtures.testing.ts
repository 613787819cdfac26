/**
 * Suites that drive the worker API (`convex/http.ts`) in convex-test: one embedded S3 server per
 * suite, a harness with storage and the worker secret set, and the worker's real client talking
 * to the harness's routes.
 */
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import type { EmbeddedS3 } from "../../scripts/s3/embeddedS3";
import { createWorkerApiClient } from "../../modal/worker/workerApiClient";
import { newConvexTest, type ConvexTestHarness } from "./convexTest.testing";
import { startTestStorage, useStorage } from "./uploadFixtures.testing";

export const WORKER_TEST_SECRET = "worker-secret-for-tests-0123456789";

/**
 * Registers the suite's hooks (storage started once, settings unstubbed after each test);
 * `configured()` is a fresh harness with storage and `WORKER_SECRET` set.
 */
export function useWorkerApiSuite(): { configured(): ConvexTestHarness; storage(): EmbeddedS3 } {
  let s3: EmbeddedS3 | undefined;
  beforeAll(async () => {
    s3 = await startTestStorage();
  });
  afterAll(async () => {
    await s3?.stop();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const storage = () => {
    if (!s3) throw new Error("The suite's storage is not started (call configured() inside a test)");
    return s3;
  };
  return {
    storage,
    configured() {
      vi.stubEnv("WORKER_SECRET", WORKER_TEST_SECRET);
      useStorage(storage());
      return newConvexTest();
    },
  };
}

/** The worker's real client, talking to the harness's routes (or through `fetch`, to inject faults). */
export function inProcessWorkerClient(t: ConvexTestHarness, fetch?: typeof globalThis.fetch) {
  const send = fetch ?? (((url: string, init: RequestInit) => t.fetch(url, init)) as typeof globalThis.fetch);
  return createWorkerApiClient({ siteUrl: "", secret: WORKER_TEST_SECRET, retryDelaysMs: [1, 1, 1], fetch: send });
}
