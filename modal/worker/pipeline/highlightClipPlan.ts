/**
 * Which highlight clips to cut: up to three, each starting exactly on a scene cut and spread
 * over the video; evenly spaced windows when the video has no usable cut. Pure.
 */
import { evenlySpacedWindows } from "./mediaTime";

export const MAX_CLIPS = 3;
export const CLIP_SEC = 4;
/** A cut this close to the end would make a clip too short to be worth watching. */
const MIN_CLIP_SEC = 1;

export type ClipWindow = { startSec: number; durationSec: number };

type VideoSpan = { startSec: number; endSec: number };

/**
 * Clips within the span of the source that has pictures, `startSec` to `endSec` (a video
 * stream may start after the container does, and end before it).
 */
export function planHighlightClips(
  sceneCutsSec: readonly number[],
  endSec: number,
  startSec = 0,
): ClipWindow[] {
  const video: VideoSpan = { startSec, endSec };
  const usableCuts = sceneCutsSec.filter(
    (cut) => cut >= video.startSec && endSec - cut >= MIN_CLIP_SEC,
  );
  if (usableCuts.length === 0) return evenlySpacedClips(video);

  // For each third of the video, the nearest cut whose clip overlaps no clip already chosen.
  const chosen: number[] = [];
  for (let slot = 0; slot < MAX_CLIPS; slot++) {
    const anchorSec = video.startSec + ((slot + 0.5) / MAX_CLIPS) * (endSec - video.startSec);
    const nearest = usableCuts
      .filter((cut) => chosen.every((other) => Math.abs(cut - other) >= CLIP_SEC))
      .sort((a, b) => Math.abs(a - anchorSec) - Math.abs(b - anchorSec))[0];
    if (nearest !== undefined) chosen.push(nearest);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((startSec) => ({ startSec, durationSec: Math.min(CLIP_SEC, endSec - startSec) }));
}

function evenlySpacedClips(video: VideoSpan): ClipWindow[] {
  return evenlySpacedWindows(video.startSec, video.endSec, CLIP_SEC, MAX_CLIPS);
}
