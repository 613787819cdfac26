/**
 * The storyboard's WebVTT index (written by `modal/worker/pipeline/storyboardPlan.ts`): one cue
 * per tile, its payload `storyboard/<sheet index>.jpg#xywh=x,y,w,h` — the tile's rectangle on
 * the storyboard artifact with that index. Pure: parsing, lookup by time, and the CSS that
 * shows one tile of a sheet.
 */

export type StoryboardCue = {
  startSec: number;
  endSec: number;
  /** The `index` of the `storyboard` artifact (sheet) that holds the tile. */
  sheetIndex: number;
  x: number;
  y: number;
  width: number;
  height: number;
};

const TIMING = /^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})(?:\s|$)/;
const TILE = /(?:^|\/)storyboard\/(\d+)\.[A-Za-z0-9]+#xywh=(\d+),(\d+),(\d+),(\d+)$/;

/**
 * The cues, in time order. Blocks that are not storyboard cues (NOTE, STYLE, cues whose
 * payload is not a tile) are skipped; a file that is not WebVTT yields no cues.
 */
export function parseStoryboardVtt(text: string): StoryboardCue[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? "")) return [];
  const blocks: string[][] = [];
  let block: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === "") {
      if (block.length > 0) blocks.push(block);
      block = [];
    } else {
      block.push(line.trim());
    }
  }
  if (block.length > 0) blocks.push(block);

  const cues: StoryboardCue[] = [];
  for (const cueLines of blocks) {
    // An optional cue identifier, then the timing line, then the payload.
    const timingAt = cueLines.findIndex((line) => line.includes("-->"));
    if (timingAt === -1 || timingAt > 1) continue;
    const timing = TIMING.exec(cueLines[timingAt]!);
    const tile = TILE.exec(cueLines[timingAt + 1] ?? "");
    if (!timing || !tile) continue;
    const startSec = parseTimestamp(timing[1]!);
    const endSec = parseTimestamp(timing[2]!);
    if (endSec < startSec) continue;
    const [sheetIndex, x, y, width, height] = tile.slice(1, 6).map(Number) as [number, number, number, number, number];
    if (width === 0 || height === 0) continue;
    cues.push({ startSec, endSec, sheetIndex, x, y, width, height });
  }
  return cues.sort((a, b) => a.startSec - b.startSec);
}

function parseTimestamp(value: string): number {
  const parts = value.split(":").map(Number);
  const seconds = parts.pop()!;
  const minutes = parts.pop()!;
  const hours = parts.pop() ?? 0;
  return hours * 3600 + minutes * 60 + seconds;
}

/**
 * The index of the cue to show at `timeSec`: the last cue that starts at or before it (so a
 * gap shows the tile before it), the first cue before the start; -1 when there are no cues.
 */
export function cueIndexAt(cues: readonly StoryboardCue[], timeSec: number): number {
  if (cues.length === 0) return -1;
  let low = 0;
  let high = cues.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (cues[middle]!.startSec <= timeSec) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function cueAt(cues: readonly StoryboardCue[], timeSec: number): StoryboardCue | undefined {
  return cues[cueIndexAt(cues, timeSec)];
}

/** How long the storyboard covers: the end of its last cue. */
export function storyboardDurationSec(cues: readonly StoryboardCue[]): number {
  return cues.reduce((end, cue) => Math.max(end, cue.endSec), 0);
}

export type Size = { width: number; height: number };

/**
 * A sheet's size: the artifact's recorded size, else the smallest rectangle holding every
 * tile the cues put on it.
 */
export function sheetSize(cues: readonly StoryboardCue[], sheetIndex: number, recorded?: Partial<Size>): Size {
  if (recorded?.width && recorded.height) return { width: recorded.width, height: recorded.height };
  let width = 0;
  let height = 0;
  for (const cue of cues) {
    if (cue.sheetIndex !== sheetIndex) continue;
    width = Math.max(width, cue.x + cue.width);
    height = Math.max(height, cue.y + cue.height);
  }
  return { width, height };
}

/**
 * CSS for an element with the tile's aspect ratio that shows just that tile of the sheet
 * (set as its background image), at any rendered size: background size and position in
 * percentages, so nothing depends on the element's pixel size.
 */
export function tileBackground(cue: StoryboardCue, sheet: Size): { backgroundSize: string; backgroundPosition: string } {
  const percent = (value: number) => `${Number(value.toFixed(4))}%`;
  // For a background larger than its box, p% places the image's p% point at the box's p%
  // point: offset / (sheet − tile) puts the tile exactly in the box.
  const position = (offset: number, sheetSide: number, tileSide: number) =>
    sheetSide > tileSide ? percent((100 * offset) / (sheetSide - tileSide)) : "0%";
  return {
    backgroundSize: `${percent((100 * sheet.width) / cue.width)} ${percent((100 * sheet.height) / cue.height)}`,
    backgroundPosition: `${position(cue.x, sheet.width, cue.width)} ${position(cue.y, sheet.height, cue.height)}`,
  };
}
