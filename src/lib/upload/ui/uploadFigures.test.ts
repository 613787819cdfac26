import { describe, expect, it } from "vitest";
import { formatEta, formatSpeed, progressPercent } from "./uploadFigures";

describe("formatSpeed", () => {
  it("shows bytes per second in the UI's units, and a dash when unknown", () => {
    expect(formatSpeed(12_300_000)).toBe("12 MB/s");
    expect(formatSpeed(1_500)).toBe("1.5 kB/s");
    expect(formatSpeed(0)).toBe("—");
  });
});

describe("formatEta", () => {
  it.each([
    [0, "finishing"],
    [0.2, "1 s left"],
    [42, "42 s left"],
    [59.5, "1 min left"],
    [60, "1 min left"],
    [61, "2 min left"],
    [3599, "1 h left"],
    [3600, "1 h left"],
    [3900, "1 h 5 min left"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  it("is a dash when unknown", () => {
    expect(formatEta(null)).toBe("—");
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe("—");
    expect(formatEta(-1)).toBe("—");
  });
});

describe("progressPercent", () => {
  it("is a whole percent that reaches 100 only when done", () => {
    expect(progressPercent(0, false)).toBe(0);
    expect(progressPercent(33.9, false)).toBe(33);
    expect(progressPercent(100, false)).toBe(99);
    expect(progressPercent(100, true)).toBe(100);
    expect(progressPercent(-3, false)).toBe(0);
  });
});
