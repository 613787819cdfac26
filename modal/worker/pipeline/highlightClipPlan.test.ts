// @vitest-environment node
import { expect, it } from "vitest";
import { CLIP_SEC, MAX_CLIPS, planHighlightClips } from "./highlightClipPlan";

it("starts clips exactly at the cuts, shortening the last one at the end", () => {
  expect(planHighlightClips([3, 7], 10)).toEqual([
    { startSec: 3, durationSec: 4 },
    { startSec: 7, durationSec: 3 },
  ]);
});

it("spreads clips over the video and never overlaps them", () => {
  const cuts = Array.from({ length: 200 }, (_, index) => 1 + index * 2.5);
  const clips = planHighlightClips(cuts, 600);
  expect(clips).toHaveLength(MAX_CLIPS);
  expect(clips.map((clip) => clip.startSec)).toEqual([101, 301, 498.5]);
  for (const clip of clips) expect(cuts).toContain(clip.startSec);
});

it("skips cuts that overlap a chosen clip or leave less than a second", () => {
  expect(planHighlightClips([5, 6, 9.6], 10)).toEqual([{ startSec: 5, durationSec: CLIP_SEC }]);
});

it("falls back to evenly spaced clips when there are no cuts", () => {
  expect(planHighlightClips([], 600)).toEqual([
    { startSec: 98, durationSec: 4 },
    { startSec: 298, durationSec: 4 },
    { startSec: 498, durationSec: 4 },
  ]);
  expect(planHighlightClips([], 6)).toEqual([{ startSec: 1, durationSec: 4 }]);
  expect(planHighlightClips([], 1)).toEqual([{ startSec: 0, durationSec: 1 }]);
});

it("keeps clips within the span that has pictures", () => {
  // A video stream from 2 s to 12 s in a longer container: evenly spaced within the pictures.
  expect(planHighlightClips([], 12, 2)).toEqual([
    { startSec: 2.5, durationSec: 4 },
    { startSec: 7.5, durationSec: 4 },
  ]);
  expect(planHighlightClips([1, 8], 12, 2)).toEqual([
    { startSec: 8, durationSec: 4 },
  ]);
  // A 0.2 s video: one clip of all of it.
  expect(planHighlightClips([], 0.2)).toEqual([
    { startSec: 0, durationSec: 0.2 },
  ]);
});
