import { describe, expect, test } from "vitest";
import { clipFrame, clipRangeProblem, clipRequestKey } from "./clipFrames";

describe("clipFrame: the centre crop and the output size", () => {
  test.each([
    // source, aspect → output, crop width × height (fractions)
    [{ width: 1920, height: 1080 }, "9:16", { width: 608, height: 1080 }, [0.3164, 1]],
    [{ width: 3840, height: 2160 }, "9:16", { width: 1080, height: 1920 }, [0.3164, 1]],
    [{ width: 1080, height: 1920 }, "9:16", { width: 1080, height: 1920 }, [1, 1]],
    [{ width: 1920, height: 1080 }, "1:1", { width: 1080, height: 1080 }, [0.5625, 1]],
    [{ width: 180, height: 320 }, "1:1", { width: 180, height: 180 }, [1, 0.5625]],
    [{ width: 3840, height: 2160 }, "original", { width: 1920, height: 1080 }, [1, 1]],
    [{ width: 640, height: 360 }, "original", { width: 640, height: 360 }, [1, 1]],
  ] as const)("%o as %s", (source, aspect, output, [cropWidth, cropHeight]) => {
    const frame = clipFrame(source, aspect);
    expect(frame.output).toEqual(output);
    expect(frame.crop.width).toBeCloseTo(cropWidth, 3);
    expect(frame.crop.height).toBeCloseTo(cropHeight, 3);
    // Centred.
    expect(frame.crop.x * 2 + frame.crop.width).toBeCloseTo(1, 9);
    expect(frame.crop.y * 2 + frame.crop.height).toBeCloseTo(1, 9);
  });
});

describe("clipRangeProblem", () => {
  test.each([
    [0, 1, null],
    [5, 65, null],
    [0, 0.999, "at least"],
    [0, 60.001, "at most"],
    [-0.001, 2, "before the video"],
    [100, 120.5, "video's end"],
    [Number.NaN, 2, "numbers"],
    [0, Number.POSITIVE_INFINITY, "numbers"],
    [3, 2, "at least"],
  ])("[%d, %d]", (start, end, problem) => {
    const found = clipRangeProblem(start, end, 120, 60);
    if (problem === null) expect(found).toBeNull();
    else expect(found?.message).toContain(problem);
  });

  test("the same clip to the millisecond has the same key", () => {
    expect(clipRequestKey(1, 3.5, "9:16")).toBe(clipRequestKey(1.0004, 3.4996, "9:16"));
    expect(clipRequestKey(1, 3.5, "9:16")).not.toBe(clipRequestKey(1, 3.5, "1:1"));
  });
});
