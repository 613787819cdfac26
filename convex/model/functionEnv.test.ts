/* eslint-disable @convex-dev/no-process-env -- the test replaces process.env as Convex's Node executor does */
import { afterEach, describe, expect, test } from "vitest";
import { functionEnv } from "./functionEnv";
import { oEmbedLookupsPerMinute } from "./intakeLimits";
import { uploadLimits } from "./uploadConfig";
import { workerLeaseMs } from "./workerConfig";
import { isWorkerSecret, workerSecretConfigured } from "./workerSecret";

const original = process.env;

/** What Convex's Node executor does between two calls: a new `process.env` object. */
function replaceProcessEnv(variables: Record<string, string>): void {
  process.env = { ...original, ...variables };
}

afterEach(() => {
  process.env = original;
});

describe("settings are read at call time", () => {
  test("a process.env replaced between two calls is the one the next call reads", async () => {
    replaceProcessEnv({ WORKER_SECRET: "first-secret", WORKER_LEASE_SECONDS: "60", OEMBED_LOOKUPS_PER_MINUTE: "5", UPLOAD_ABANDON_HOURS: "2" });
    expect(await isWorkerSecret("first-secret")).toBe(true);
    expect(workerLeaseMs()).toBe(60_000);
    expect(oEmbedLookupsPerMinute()).toBe(5);
    expect(uploadLimits().abandonHours).toBe(2);

    replaceProcessEnv({ WORKER_SECRET: "rotated-secret", WORKER_LEASE_SECONDS: "90", OEMBED_LOOKUPS_PER_MINUTE: "7", UPLOAD_ABANDON_HOURS: "3" });
    expect(await isWorkerSecret("first-secret")).toBe(false);
    expect(await isWorkerSecret("rotated-secret")).toBe(true);
    expect(workerLeaseMs()).toBe(90_000);
    expect(oEmbedLookupsPerMinute()).toBe(7);
    expect(uploadLimits().abandonHours).toBe(3);

    replaceProcessEnv({ WORKER_SECRET: "" });
    expect(workerSecretConfigured()).toBe(false);
    expect(functionEnv()).toBe(process.env);
  });

  test("no function module reads the generated env export, which is process.env captured once", () => {
    const sources = import.meta.glob<string>(["../**/*.ts", "!../_generated/**", "!../**/*.test.ts"], {
      query: "?raw",
      import: "default",
      eager: true,
    });
    expect(Object.keys(sources).length).toBeGreaterThan(30);
    const readers = Object.entries(sources)
      .filter(([, source]) => /import\s*\{[^}]*\benv\b[^}]*\}\s*from\s*"[./]*_generated\/server"/.test(source))
      .map(([path]) => path);
    expect(readers).toEqual([]);
  });
});
