// @vitest-environment node
/**
 * Transactions and values over Convex's limits fail offline with Convex's own errors, at
 * Convex's own numbers (`CONVEX_LIMITS`); the action time limit, 30 minutes, is lowered here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { anyApi } from "convex/server";
import { CONVEX_LIMITS, convexLimits, overrideConvexLimits } from "../limits";
import { httpClient, startTestBackend, type TestBackend } from "./harness";

const limits = anyApi.limits!;
const MiB = 1 << 20;

describe("Convex's limits, offline", { timeout: 120_000 }, () => {
  let backend: TestBackend;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    backend = await startTestBackend();
  }, 30_000);
  afterAll(async () => {
    await backend?.stop();
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it("are Convex's numbers by default", () => {
    expect(convexLimits()).toEqual(CONVEX_LIMITS);
    expect(CONVEX_LIMITS).toMatchObject({
      documentsRead: 32_000,
      bytesRead: 16 * MiB,
      databaseQueries: 4_096,
      documentsWritten: 16_000,
      bytesWritten: 16 * MiB,
      functionsScheduled: 1_000,
      arrayElements: 8_192,
      objectFields: 1_024,
      documentNesting: 16,
      documentBytes: MiB,
      functionArgsBytes: 16 * MiB,
      functionResultBytes: 16 * MiB,
      transactionUserTimeMs: 1_000,
    });
  });

  it("a document's array of 8,193 elements fails; 8,192 fit", async () => {
    const client = httpClient(backend);
    await expect(client.mutation(limits.insertArray!, { length: 8_193 })).rejects.toThrow(
      "Array length is too long (8193 > maximum length 8192)",
    );
    await expect(client.mutation(limits.insertArray!, { length: 8_192 })).resolves.toEqual(expect.any(String));
  });

  it("a document over 1 MiB fails", async () => {
    await expect(httpClient(backend).mutation(limits.insertString!, { bytes: MiB })).rejects.toThrow(
      /Value is too large \(1 MiB > maximum size 1 MiB\)/,
    );
  });

  it("a mutation writing 16,001 documents fails and writes none", async () => {
    const client = httpClient(backend);
    const before = await client.query(limits.countItems!, {});
    await expect(client.mutation(limits.insertItems!, { count: 16_001, batch: 1 })).rejects.toThrow(
      "Too many writes in a single function execution (limit: 16000)",
    );
    expect(await client.query(limits.countItems!, {})).toBe(before);
  });

  it("a query reading 4,097 documents one get at a time reads too many index ranges", async () => {
    const client = httpClient(backend);
    await client.mutation(limits.insertItems!, { count: 4_097, batch: 2 });
    const ids = await client.query(limits.itemIds!, { count: 4_097 });
    await expect(client.query(limits.getEach!, { ids: ids.slice(0, 4_096) })).resolves.toBe(4_096);
    await expect(client.query(limits.getEach!, { ids })).rejects.toThrow(
      "Too many reads in a single function execution (limit: 4096). Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.",
    );
  });

  it("a query scanning more than 32,000 documents fails", async () => {
    const client = httpClient(backend);
    const present = await client.query(limits.countItems!, {});
    for (let left = 32_000 - present; left > 0; left -= 10_000) {
      await client.mutation(limits.insertItems!, { count: Math.min(left, 10_000), batch: 3 });
    }
    expect(await client.query(limits.countItems!, {})).toBe(32_000);
    await client.mutation(limits.insertItems!, { count: 1, batch: 3 });
    await expect(client.query(limits.countItems!, {})).rejects.toThrow(
      "Too many documents read in a single function execution (limit: 32000). Consider using smaller limits",
    );
  });

  it("a return value over 16 MiB fails", async () => {
    await expect(httpClient(backend).query(limits.bigResult!, { bytes: 16 * MiB })).rejects.toThrow(
      "Function limits.js:bigResult return value is too large (actual: 16 MiB, limit: 16 MiB)",
    );
  });

  it("a mutation running past its time limit fails (1 s, lowered for the test)", async () => {
    // The limit counts CPU time outside syscalls (userTime.test.ts), which a busy machine hands
    // out slower than the clock: a lowered limit keeps the test quick and certain.
    restore = overrideConvexLimits({ transactionUserTimeMs: 100 });
    await expect(httpClient(backend).mutation(limits.spin!, { ms: 1_000 })).rejects.toThrow(
      "Function execution timed out (maximum duration: 100ms)",
    );
    await expect(httpClient(backend).mutation(limits.spin!, { ms: 10 })).resolves.toBeNull();
  });

  it("an action running past its time limit fails (limit lowered for the test)", async () => {
    restore = overrideConvexLimits({ isolateActionTimeMs: 100 });
    await expect(httpClient(backend).action(limits.slowAction!, { ms: 2_000 })).rejects.toThrow(
      "Function execution timed out (maximum duration: 100ms)",
    );
  });
});
