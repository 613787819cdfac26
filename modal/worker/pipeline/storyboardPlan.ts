/**
 * Storyboard geometry and its WebVTT index, as pure functions of the duration and picture
 * size, so the VTT can be written without reading back what ffmpeg tiled.
 *
 * One tile every `intervalSec` (a whole number of seconds, growing with the duration so a
 * video never has more than `MAX_TILES`), at most `MAX_COLUMNS × MAX_ROWS` tiles per sheet,
 * as many sheets as needed. Each VTT cue points at its tile as
 * `storyboard/<sheet index>.jpg#xywh=x,y,w,h` — the sheet's path relative to the job's
 * artifact prefix (`artifactKey(jobId, "storyboard", index)` without `artifacts/<jobId>/`),
 * so the UI swaps `storyboard/<index>.jpg` for that artifact's URL.
 */
import { artifactRelativePath } from "./artifactFiles";
import { fitWithin, type Size } from "./outputSize";

const MAX_TILES = 400;
const MAX_COLUMNS = 10;
const MAX_ROWS = 10;
const TILE_MAX_SIDE = 160;

export type StoryboardPlan = {
  intervalSec: number;
  tileCount: number;
  tile: Size;
  columns: number;
  rows: number;
  sheetCount: number;
};

export function planStoryboard(durationSec: number, display: Size): StoryboardPlan {
  const intervalSec = Math.max(1, Math.ceil(durationSec / MAX_TILES));
  // Milliseconds, so a duration of 10.0000001 s does not add an empty 11th tile.
  const tileCount = Math.max(1, Math.ceil(Math.round(durationSec * 1000) / (intervalSec * 1000)));
  // Short videos get a sheet only as large as their tiles need, not a mostly empty 10×10.
  const columns = Math.min(MAX_COLUMNS, tileCount);
  const rows = Math.min(MAX_ROWS, Math.ceil(tileCount / columns));
  return {
    intervalSec,
    tileCount,
    tile: fitWithin(display, TILE_MAX_SIDE),
    columns,
    rows,
    sheetCount: Math.ceil(tileCount / (columns * rows)),
  };
}

export function sheetSize(plan: StoryboardPlan): Size {
  return { width: plan.tile.width * plan.columns, height: plan.tile.height * plan.rows };
}

/** One cue per tile; the last cue ends at `durationSec`, so the cues cover the whole video. */
export function formatStoryboardVtt(plan: StoryboardPlan, durationSec: number): string {
  const tilesPerSheet = plan.columns * plan.rows;
  const durationMs = Math.round(durationSec * 1000);
  const cues = Array.from({ length: plan.tileCount }, (_, tile) => {
    const startMs = tile * plan.intervalSec * 1000;
    const endMs = Math.min(durationMs, (tile + 1) * plan.intervalSec * 1000);
    const positionOnSheet = tile % tilesPerSheet;
    const x = (positionOnSheet % plan.columns) * plan.tile.width;
    const y = Math.floor(positionOnSheet / plan.columns) * plan.tile.height;
    const sheet = artifactRelativePath("storyboard", Math.floor(tile / tilesPerSheet));
    return `${vttTimestamp(startMs)} --> ${vttTimestamp(endMs)}\n${sheet}#xywh=${x},${y},${plan.tile.width},${plan.tile.height}`;
  });
  return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}

function vttTimestamp(totalMs: number): string {
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const seconds = Math.floor((totalMs % 60_000) / 1000);
  const ms = totalMs % 1000;
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(ms, 3)}`;
}
