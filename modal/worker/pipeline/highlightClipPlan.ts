/**
 * Which highlight clips to cut: up to three, each starting exactly on a scene cut and spread
 * over the video; evenly spaced windows when the video has no usable cut. Pure.
 */
export const MAX_CLIPS = 3;
export const CLIP_SEC = 4;
/** A cut this close to the end would make a clip too short to be worth watching. */
const MIN_CLIP_SEC = 1;

export type ClipWindow = { startSec: number; durationSec: number };

export function planHighlightClips(
  sceneCutsSec: readonly number[],
  durationSec: number,
): ClipWindow[] {
  const usableCuts = sceneCutsSec.filter((cut) => durationSec - cut >= MIN_CLIP_SEC);
  if (usableCuts.length === 0) return evenlySpacedClips(durationSec);

  // For each third of the video, the nearest cut whose clip overlaps no clip already chosen.
  const chosen: number[] = [];
  for (let slot = 0; slot < MAX_CLIPS; slot++) {
    const anchorSec = ((slot + 0.5) / MAX_CLIPS) * durationSec;
    const nearest = usableCuts
      .filter((cut) => chosen.every((other) => Math.abs(cut - other) >= CLIP_SEC))
      .sort((a, b) => Math.abs(a - anchorSec) - Math.abs(b - anchorSec))[0];
    if (nearest !== undefined) chosen.push(nearest);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((startSec) => ({ startSec, durationSec: Math.min(CLIP_SEC, durationSec - startSec) }));
}

function evenlySpacedClips(durationSec: number): ClipWindow[] {
  const clipSec = Math.min(CLIP_SEC, durationSec);
  const count = Math.min(MAX_CLIPS, Math.max(1, Math.floor(durationSec / CLIP_SEC)));
  return Array.from({ length: count }, (_, slot) => {
    const centredSec = ((slot + 0.5) / count) * durationSec - clipSec / 2;
    return {
      startSec: Math.min(Math.max(0, centredSec), durationSec - clipSec),
      durationSec: clipSec,
    };
  });
}
