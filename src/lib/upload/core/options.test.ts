import { describe, expect, it } from "vitest";
import { DEFAULT_UPLOAD_OPTIONS, resolveUploadOptions } from "./options";

describe("resolveUploadOptions", () => {
  it("documents its defaults", () => {
    expect(resolveUploadOptions()).toEqual({
      concurrency: 4,
      urlBatchSize: 32,
      urlRefreshMarginMs: 60_000,
      retryDelaysMs: [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000],
      maxAttemptsPerPart: 8,
      maxUrlRefreshesPerPart: 2,
      maxIntegrityResendsPerPart: 2,
      stallTimeoutMs: 30_000,
      speedSmoothingMs: 5_000,
    });
    expect(Object.isFrozen(DEFAULT_UPLOAD_OPTIONS)).toBe(true);
  });

  it("applies overrides", () => {
    expect(resolveUploadOptions({ concurrency: 6, retryDelaysMs: [5] })).toMatchObject({ concurrency: 6, retryDelaysMs: [5] });
  });

  it.each([
    { concurrency: 0 },
    { concurrency: 7 },
    { concurrency: 2.5 },
    { urlBatchSize: 0 },
    { urlBatchSize: 101 },
    { maxAttemptsPerPart: 0 },
    { maxUrlRefreshesPerPart: -1 },
    { stallTimeoutMs: 0 },
    { urlRefreshMarginMs: Number.NaN },
    { retryDelaysMs: [] },
    { retryDelaysMs: [0, -1] },
  ])("refuses %j", (override) => {
    expect(() => resolveUploadOptions(override)).toThrow(RangeError);
  });
});
