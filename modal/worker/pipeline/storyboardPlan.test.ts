// @vitest-environment node
import { describe, expect, it } from "vitest";
import { parseVtt } from "../testing/inspectMedia";
import { formatStoryboardVtt, planStoryboard, sheetSize } from "./storyboardPlan";

const LANDSCAPE = { width: 1920, height: 1080 };

describe("planStoryboard", () => {
  it.each([
    // duration, interval, tiles, columns × rows, sheets
    [1, 1, 1, 1, 1, 1],
    [10, 1, 10, 10, 1, 1],
    [10.04, 1, 11, 10, 2, 1],
    [60, 1, 60, 10, 6, 1],
    [600, 2, 300, 10, 10, 3],
    [3 * 3600, 27, 400, 10, 10, 4],
  ])(
    "%s s → one tile per %s s, %s tiles, %s×%s per sheet, %s sheets",
    (duration, interval, tiles, columns, rows, sheets) => {
      expect(planStoryboard(duration, LANDSCAPE)).toEqual({
        intervalSec: interval,
        tileCount: tiles,
        tile: { width: 160, height: 90 },
        columns,
        rows,
        sheetCount: sheets,
      });
    },
  );

  it("keeps portrait tiles portrait and never upscales", () => {
    expect(planStoryboard(10, { width: 1080, height: 1920 }).tile).toEqual({
      width: 90,
      height: 160,
    });
    expect(planStoryboard(10, { width: 120, height: 68 }).tile).toEqual({ width: 120, height: 68 });
  });
});

describe("formatStoryboardVtt", () => {
  it.each([1, 9.5, 10.04, 600, 3 * 3600])(
    "%s s: contiguous cues from 0 to the end, each inside its sheet",
    (duration) => {
      const plan = planStoryboard(duration, LANDSCAPE);
      const sheet = sheetSize(plan);
      const cues = parseVtt(formatStoryboardVtt(plan, duration));

      expect(cues).toHaveLength(plan.tileCount);
      expect(cues[0]?.startSec).toBe(0);
      expect(cues.at(-1)?.endSec).toBeCloseTo(duration, 3);
      cues.forEach((cue, index) => {
        expect(cue.endSec).toBeGreaterThan(cue.startSec);
        if (index > 0) expect(cue.startSec).toBe(cues[index - 1]?.endSec);
        const match = cue.text.match(/^storyboard\/(\d+)\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$/);
        expect(match).not.toBeNull();
        const [sheetIndex, x, y, w, h] = (match ?? []).slice(1).map(Number) as number[];
        expect(sheetIndex).toBeLessThan(plan.sheetCount);
        expect(x! + w!).toBeLessThanOrEqual(sheet.width);
        expect(y! + h!).toBeLessThanOrEqual(sheet.height);
      });
    },
  );

  it("points tile 100 at the second sheet's top-left corner", () => {
    const cues = parseVtt(formatStoryboardVtt(planStoryboard(600, LANDSCAPE), 600));
    expect(cues[100]).toEqual({
      startSec: 200,
      endSec: 202,
      text: "storyboard/1.jpg#xywh=0,0,160,90",
    });
  });
});
