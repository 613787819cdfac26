/**
 * Clips on demand: the shapes a creator can ask for, what a valid range is, and where the
 * picture is cut and how large the result is. Pure and shared: Convex validates a request with
 * it, the worker renders with it, and the page draws the live crop preview from it, so the
 * preview is exactly what the worker cuts.
 */
export const CLIP_ASPECTS = ["original", "9:16", "1:1"] as const;
export type ClipAspect = (typeof CLIP_ASPECTS)[number];

/** The shortest clip: below a second there is little to publish and the seek margins dominate. */
export const MIN_CLIP_SECONDS = 1;
/** `MAX_CLIP_SECONDS`'s default: Shorts and Reels are at most a minute for most creators. */
export const DEFAULT_MAX_CLIP_SECONDS = 60;

/**
 * The largest output per shape, portrait-first for 9:16 (Shorts and Reels), square for 1:1,
 * and for the original shape the longer side of 1080p. A source smaller than these is never
 * scaled up: it would cost encoding time and add nothing.
 */
const MAX_OUTPUT: Readonly<Record<ClipAspect, { width: number; height: number }>> = {
  "9:16": { width: 1080, height: 1920 },
  "1:1": { width: 1080, height: 1080 },
  original: { width: 1920, height: 1920 },
};

const RATIOS: Readonly<Record<Exclude<ClipAspect, "original">, number>> = { "9:16": 9 / 16, "1:1": 1 };

export type ClipRangeProblem = { message: string };

/**
 * Whether `[startSec, endSec]` can be cut from a video of `durationSec`: finite, not negative,
 * inside the video, and between `MIN_CLIP_SECONDS` and `maxClipSec` long. Null when it can.
 */
export function clipRangeProblem(
  startSec: number,
  endSec: number,
  durationSec: number,
  maxClipSec: number,
): ClipRangeProblem | null {
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec)) return { message: "The start and end must be numbers of seconds." };
  if (startSec < 0) return { message: "The clip cannot start before the video does." };
  if (endSec > durationSec) return { message: `The clip must end by the video's end (${durationSec.toFixed(2)} s).` };
  const lengthSec = endSec - startSec;
  if (lengthSec < MIN_CLIP_SECONDS) return { message: `A clip is at least ${MIN_CLIP_SECONDS} s long.` };
  if (lengthSec > maxClipSec) return { message: `A clip is at most ${maxClipSec} s long.` };
  return null;
}

/** A rectangle as fractions of the picture (0–1), so it holds for any pixel size or aspect ratio. */
export type FractionRect = { x: number; y: number; width: number; height: number };

export type ClipFrame = {
  /** What is kept of the (display-oriented) picture, centred. */
  crop: FractionRect;
  /** The output's size in pixels: even sides, within the shape's maximum, never larger than the crop. */
  output: { width: number; height: number };
};

/**
 * The centre crop of a `width`×`height` picture (its display size) for `aspect`, and the size the
 * cut is scaled to.
 */
export function clipFrame(display: { width: number; height: number }, aspect: ClipAspect): ClipFrame {
  const { width, height } = display;
  let crop: FractionRect = { x: 0, y: 0, width: 1, height: 1 };
  if (aspect !== "original") {
    const ratio = RATIOS[aspect];
    crop =
      width / height > ratio
        ? centred((height * ratio) / width, 1)
        : centred(1, width / ratio / height);
  }
  const cropWidth = width * crop.width;
  const cropHeight = height * crop.height;
  const max = MAX_OUTPUT[aspect];
  const limit = aspect === "original" ? Math.min(1, max.width / Math.max(cropWidth, cropHeight)) : Math.min(1, max.width / cropWidth, max.height / cropHeight);
  return { crop, output: { width: evenSide(cropWidth * limit), height: evenSide(cropHeight * limit) } };
}

function centred(width: number, height: number): FractionRect {
  return { x: (1 - width) / 2, y: (1 - height) / 2, width, height };
}

function evenSide(side: number): number {
  return Math.max(2, Math.round(side / 2) * 2);
}

/** The key that makes a second request for the same clip return the first: range to the millisecond, and shape. */
export function clipRequestKey(startSec: number, endSec: number, aspect: ClipAspect): string {
  return `clip:${Math.round(startSec * 1000)}-${Math.round(endSec * 1000)}:${aspect}`;
}
