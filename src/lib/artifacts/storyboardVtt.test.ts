import { describe, expect, it } from "vitest";
import { formatStoryboardVtt, planStoryboard, sheetSize as plannedSheetSize } from "../../../modal/worker/pipeline/storyboardPlan";
import {
  cueAt,
  cueIndexAt,
  parseStoryboardVtt,
  sheetSize,
  storyboardDurationSec,
  tileBackground,
  type StoryboardCue,
} from "./storyboardVtt";

const SAMPLE = `WEBVTT

00:00:00.000 --> 00:00:02.000
storyboard/0.jpg#xywh=0,0,160,90

00:00:02.000 --> 00:00:04.000
storyboard/0.jpg#xywh=160,0,160,90

00:00:04.000 --> 00:00:05.500
storyboard/1.jpg#xywh=0,0,160,90
`;

describe("parseStoryboardVtt", () => {
  it("reads each cue's times, sheet and rectangle", () => {
    expect(parseStoryboardVtt(SAMPLE)).toEqual([
      { startSec: 0, endSec: 2, sheetIndex: 0, x: 0, y: 0, width: 160, height: 90 },
      { startSec: 2, endSec: 4, sheetIndex: 0, x: 160, y: 0, width: 160, height: 90 },
      { startSec: 4, endSec: 5.5, sheetIndex: 1, x: 0, y: 0, width: 160, height: 90 },
    ]);
  });

  it("reads what the worker writes, for every tile", () => {
    const durationSec = 754.32;
    const plan = planStoryboard(durationSec, { width: 1920, height: 1080 });
    const cues = parseStoryboardVtt(formatStoryboardVtt(plan, durationSec));
    expect(cues).toHaveLength(plan.tileCount);
    expect(storyboardDurationSec(cues)).toBeCloseTo(durationSec, 3);
    const tilesPerSheet = plan.columns * plan.rows;
    expect(cues.at(-1)!.sheetIndex).toBe(Math.floor((plan.tileCount - 1) / tilesPerSheet));
    const sheet = plannedSheetSize(plan);
    for (const cue of cues) {
      expect(cue.width).toBe(plan.tile.width);
      expect(cue.height).toBe(plan.tile.height);
      expect(cue.x + cue.width).toBeLessThanOrEqual(sheet.width);
      expect(cue.y + cue.height).toBeLessThanOrEqual(sheet.height);
    }
    expect(sheetSize(cues, 0)).toEqual(sheet);
  });

  it("accepts CRLF, a BOM, a header comment, cue identifiers, settings, short timestamps and hours", () => {
    const text =
      "\uFEFFWEBVTT - storyboard\r\n\r\nNOTE written by hand\r\n\r\ncue-1\r\n01:00:00.000 --> 01:00:01.250 align:start\r\n" +
      "https://cdn.example/artifacts/j/storyboard/3.jpg#xywh=10,20,30,40\r\n\r\n00:05.000 --> 00:06.000\r\nstoryboard/2.jpg#xywh=1,2,3,4\r\n";
    expect(parseStoryboardVtt(text)).toEqual([
      { startSec: 5, endSec: 6, sheetIndex: 2, x: 1, y: 2, width: 3, height: 4 },
      { startSec: 3600, endSec: 3601.25, sheetIndex: 3, x: 10, y: 20, width: 30, height: 40 },
    ]);
  });

  it("skips blocks that are not storyboard tiles", () => {
    const text = `WEBVTT

STYLE
::cue { color: red }

00:00:00.000 --> 00:00:01.000
Hello, a caption

00:00:01.000 --> 00:00:02.000
poster/0.jpg#xywh=0,0,10,10

00:00:02.000 --> 00:00:03.000
storyboard/0.jpg#xywh=0,0,0,10

00:00:04.000 --> 00:00:03.000
storyboard/0.jpg#xywh=0,0,10,10

00:00:05.000 --> 00:00:06.000
storyboard/0.jpg#xywh=0,0,10,10
`;
    expect(parseStoryboardVtt(text)).toEqual([{ startSec: 5, endSec: 6, sheetIndex: 0, x: 0, y: 0, width: 10, height: 10 }]);
  });

  it("yields nothing for a file that is not WebVTT", () => {
    expect(parseStoryboardVtt("")).toEqual([]);
    expect(parseStoryboardVtt("<Error><Code>AccessDenied</Code></Error>")).toEqual([]);
    expect(parseStoryboardVtt("WEBVTTX\n\n00:00:00.000 --> 00:00:01.000\nstoryboard/0.jpg#xywh=0,0,1,1")).toEqual([]);
  });
});

describe("cue lookup", () => {
  const cues = parseStoryboardVtt(SAMPLE);

  it.each([
    [-1, 0],
    [0, 0],
    [1.999, 0],
    [2, 1],
    [3.5, 1],
    [4, 2],
    [5.5, 2],
    [99, 2],
  ])("at %d s shows cue %d", (timeSec, index) => {
    expect(cueIndexAt(cues, timeSec)).toBe(index);
    expect(cueAt(cues, timeSec)).toBe(cues[index]);
  });

  it("shows the tile before a gap during the gap", () => {
    const gappy: StoryboardCue[] = [
      { startSec: 0, endSec: 1, sheetIndex: 0, x: 0, y: 0, width: 1, height: 1 },
      { startSec: 5, endSec: 6, sheetIndex: 0, x: 1, y: 0, width: 1, height: 1 },
    ];
    expect(cueIndexAt(gappy, 3)).toBe(0);
  });

  it("finds nothing without cues", () => {
    expect(cueIndexAt([], 3)).toBe(-1);
    expect(cueAt([], 3)).toBeUndefined();
    expect(storyboardDurationSec([])).toBe(0);
  });

  it("finds the right cue among many", () => {
    const many = Array.from({ length: 400 }, (_, i): StoryboardCue => ({
      startSec: i * 3,
      endSec: i * 3 + 3,
      sheetIndex: Math.floor(i / 100),
      x: 0,
      y: 0,
      width: 1,
      height: 1,
    }));
    for (const i of [0, 1, 99, 100, 250, 399]) expect(cueIndexAt(many, i * 3 + 1.5)).toBe(i);
  });
});

describe("sheetSize", () => {
  const cues = parseStoryboardVtt(SAMPLE);

  it("prefers the recorded size", () => {
    expect(sheetSize(cues, 0, { width: 1600, height: 900 })).toEqual({ width: 1600, height: 900 });
  });

  it("otherwise spans the tiles on that sheet", () => {
    expect(sheetSize(cues, 0, { width: undefined, height: undefined })).toEqual({ width: 320, height: 90 });
    expect(sheetSize(cues, 1)).toEqual({ width: 160, height: 90 });
  });
});

describe("tileBackground", () => {
  const tile = (x: number, y: number): StoryboardCue => ({ startSec: 0, endSec: 1, sheetIndex: 0, x, y, width: 160, height: 90 });
  const sheet = { width: 1600, height: 900 };

  it("scales the sheet so one tile fills the box", () => {
    expect(tileBackground(tile(0, 0), sheet)).toEqual({ backgroundSize: "1000% 1000%", backgroundPosition: "0% 0%" });
  });

  it("places the tile's corner at the box's corner", () => {
    expect(tileBackground(tile(1440, 810), sheet).backgroundPosition).toBe("100% 100%");
    // x = 480 of a 1600 sheet: 480 / (1600 − 160) = 1/3.
    expect(tileBackground(tile(480, 90), sheet).backgroundPosition).toBe("33.3333% 11.1111%");
  });

  it("handles a sheet one tile wide or tall", () => {
    expect(tileBackground(tile(0, 0), { width: 160, height: 90 })).toEqual({
      backgroundSize: "100% 100%",
      backgroundPosition: "0% 0%",
    });
  });
});
