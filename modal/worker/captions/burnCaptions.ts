/**
 * Burned-in captions on a clip: FFmpeg's `subtitles` filter (libass, in Debian's FFmpeg) draws
 * a clip-relative WebVTT (`clipCaptionsVtt`) onto the picture, in a style for vertical video:
 * large bold DejaVu Sans, white with a black outline, bottom-centre above the area a short-video
 * app covers with its own buttons.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runFfmpeg } from "../pipeline/ffmpegBinaries";
import { secondsArg } from "../pipeline/mediaTime";
import type { Size } from "../pipeline/outputSize";
import { clipCaptionsVtt, type CueOptions } from "./webVtt";
import type { Transcript } from "./transcript";

/** Characters a burned-in line holds: few, so the type can be large on a 9:16 picture. */
export const BURN_IN_LINE_CHARS = 20;
/** libass lays FFmpeg's WebVTT-converted events out on a 384×288 script resolution. */
const SCRIPT_WIDTH = 384;
const SCRIPT_HEIGHT = 288;
/** DejaVu Sans Bold's mean advance is about 0.62 of its size. */
const CHAR_WIDTH_EM = 0.62;
/** Kept clear at the bottom (the app's buttons and caption) and at each side. */
const BOTTOM_MARGIN_FRACTION = 0.16;
const SIDE_MARGIN_FRACTION = 0.05;

export const BURN_IN_CUE_OPTIONS: Partial<CueOptions> = { maxLineChars: BURN_IN_LINE_CHARS, maxLines: 2 };

/** The libass style (`force_style`) for a picture of `size`: a full line fills ~90 % of the width. */
export function burnInStyle(size: Size, lineChars: number = BURN_IN_LINE_CHARS): string {
  const byWidthPx = ((1 - 2 * SIDE_MARGIN_FRACTION) * size.width) / (lineChars * CHAR_WIDTH_EM);
  const fontPx = Math.min(byWidthPx, 0.075 * size.height);
  const toScript = SCRIPT_HEIGHT / size.height;
  const fontSize = fontPx * toScript;
  const fields = {
    FontName: "DejaVu Sans",
    Bold: "1",
    Fontsize: fontSize.toFixed(1),
    PrimaryColour: "&H00FFFFFF",
    OutlineColour: "&H00000000",
    BackColour: "&H80000000",
    BorderStyle: "1",
    Outline: (fontSize * 0.09).toFixed(2),
    Shadow: "0",
    Alignment: "2",
    MarginV: String(Math.round(BOTTOM_MARGIN_FRACTION * SCRIPT_HEIGHT)),
    MarginL: String(Math.round(SIDE_MARGIN_FRACTION * SCRIPT_WIDTH)),
    MarginR: String(Math.round(SIDE_MARGIN_FRACTION * SCRIPT_WIDTH)),
  };
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

export type BurnCaptionsOptions = {
  /** The source video. */
  input: string;
  output: string;
  startSec: number;
  durationSec: number;
  /** The whole video's transcript; the range's words are taken from it. */
  transcript: Transcript;
  /** The picture the captions are drawn on (after `videoFilter`), for the type's size. */
  size: Size;
  /** Filters that make the clip's picture (scale, crop to 9:16 …), run before the captions. */
  videoFilter?: string;
  signal?: AbortSignal;
  timeLimitMs?: number;
};

/**
 * Renders `startSec`–`startSec + durationSec` of `input` to `output` (H.264/AAC MP4) with the
 * range's words burned in. The input is seeked, so the clip's timestamps start at 0, as the
 * range's captions do.
 */
export async function burnCaptions(options: BurnCaptionsOptions): Promise<{ cues: number }> {
  const vtt = clipCaptionsVtt(
    options.transcript,
    options.startSec,
    options.startSec + options.durationSec,
    BURN_IN_CUE_OPTIONS,
  );
  const folder = await mkdtemp(path.join(tmpdir(), "reeldrop-burn-"));
  try {
    const vttPath = path.join(folder, "captions.vtt");
    await writeFile(vttPath, vtt);
    const filters = [
      ...(options.videoFilter ? [options.videoFilter] : []),
      `subtitles=filename=${filterPath(vttPath)}:force_style='${burnInStyle(options.size)}'`,
    ];
    // ffmpeg: input-seek to the range, draw the captions, H.264 + AAC for a phone.
    await runFfmpeg(
      [
        ...["-ss", secondsArg(options.startSec), "-t", secondsArg(options.durationSec), "-i", options.input],
        ...["-map", "0:v:0", "-map", "0:a:0?", "-vf", filters.join(",")],
        ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"],
        ...["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", options.output],
      ],
      { signal: options.signal, timeLimitMs: options.timeLimitMs },
    );
    return { cues: vtt.split("\n\n").length - 1 };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The `subtitles` filter (libass) that draws `vttPath` onto a picture of `size` in the burn-in style. */
export function subtitlesFilter(vttPath: string, size: Size): string {
  return `subtitles=filename=${filterPath(vttPath)}:force_style='${burnInStyle(size)}'`;
}

/** A temp-folder path as a filter option value: only characters that need no escaping. */
function filterPath(file: string): string {
  if (!/^[\w/.+-]+$/.test(file)) throw new Error(`unexpected characters in a captions path: ${file}`);
  return file;
}
