import { describe, expect, it } from "vitest";
import { formatBytes, formatDimensions, formatDuration, formatStepTime } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1, "1 B"],
    [999, "999 B"],
    [999.6, "1.0 kB"],
    [1000, "1.0 kB"],
    [1234, "1.2 kB"],
    [9_949, "9.9 kB"],
    [9_960, "10 kB"],
    [123_456, "123 kB"],
    [999_499, "999 kB"],
    [999_500, "1.0 MB"],
    [1_500_000, "1.5 MB"],
    [52_428_800, "52 MB"],
    [3_221_225_472, "3.2 GB"],
    [5e15, "5000 TB"],
  ])("%d bytes → %s", (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it("shows a dash for impossible sizes", () => {
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
    expect(formatBytes(Infinity)).toBe("—");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [0.4, "0:00"],
    [0.5, "0:01"],
    [4.6, "0:05"],
    [59.4, "0:59"],
    [59.5, "1:00"],
    [65, "1:05"],
    [600, "10:00"],
    [3599.4, "59:59"],
    [3600, "1:00:00"],
    [3725, "1:02:05"],
    [36_000, "10:00:00"],
  ])("%d s → %s", (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it("shows a dash for impossible durations", () => {
    expect(formatDuration(-2)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
  });
});

describe("formatDimensions", () => {
  it("reads width × height", () => {
    expect(formatDimensions(1280, 720)).toBe("1280 × 720");
  });
});

describe("formatStepTime", () => {
  const now = new Date(2026, 10, 30, 15, 0, 0).getTime();

  it("is the clock time for a moment today", () => {
    const earlier = new Date(2026, 10, 30, 9, 5, 7).getTime();
    expect(formatStepTime(earlier, now)).toBe(new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" }).format(earlier));
    expect(formatStepTime(earlier, now)).not.toMatch(/2026/);
  });

  it("carries the date for a moment on another day, however few hours ago", () => {
    const lastNight = new Date(2026, 10, 29, 23, 59, 0).getTime();
    expect(formatStepTime(lastNight, now)).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }).format(lastNight),
    );
    expect(formatStepTime(lastNight, now)).toMatch(/2026/);
  });
});
