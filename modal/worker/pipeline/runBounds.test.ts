// @vitest-environment node
import { expect, it } from "vitest";
import {
  boundedInputArgs,
  FFMPEG_MIN_TIME_LIMIT_SEC,
  FFMPEG_TIME_LIMIT_PER_SOURCE_SEC,
  ffmpegTimeLimitMs,
  INPUT_MARGIN_SEC,
} from "./runBounds";

it("reads the source up to the probed duration plus the margin, counted from any seek", () => {
  const media = { durationSec: 10 };
  expect(boundedInputArgs(media)).toEqual(["-t", (10 + INPUT_MARGIN_SEC).toFixed(6)]);
  expect(boundedInputArgs(media, 4)).toEqual(["-ss", "4.000000", "-t", (6 + INPUT_MARGIN_SEC).toFixed(6)]);
});

it("gives every run at least the floor and more in proportion to what it may decode", () => {
  expect(ffmpegTimeLimitMs(0)).toBe(FFMPEG_MIN_TIME_LIMIT_SEC * 1000);
  expect(ffmpegTimeLimitMs(3600)).toBe(
    (FFMPEG_MIN_TIME_LIMIT_SEC + 3600 * FFMPEG_TIME_LIMIT_PER_SOURCE_SEC) * 1000,
  );
  // The longest video accepted (4 h) still gets a bounded, if generous, limit.
  expect(ffmpegTimeLimitMs(4 * 3600)).toBeLessThan(10 * 3600 * 1000);
});
