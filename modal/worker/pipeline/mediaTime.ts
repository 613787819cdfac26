/** Small time helpers shared by the stages that seek into or cut the source. */
import type { Media } from "../../../convex/lib/validators";
import type { MediaTimeline } from "./probeVideo";

/** ffprobe reports fps 0 when it cannot tell; 25 fps is a harmless guess for seek margins. */
const FALLBACK_FPS = 25;

export function frameDurationSec(media: Pick<Media, "fps">): number {
  return 1 / (media.fps > 0 ? media.fps : FALLBACK_FPS);
}

/**
 * How far before the last frame's timestamp a seek aims at most. Timestamps are printed to
 * the microsecond and a seek is rounded to the stream's time base, so aiming exactly at the
 * last frame can land a hair after it; a millisecond early still gets that frame (no video
 * has frames a millisecond apart).
 */
const LAST_FRAME_SEEK_LEAD_SEC = 0.001;

/**
 * The nearest time a seek can target and still land on a frame: not before the first frame,
 * not after the last one's own timestamp (an input seek returns the first frame at or after
 * its target, so a target past the last frame returns nothing).
 */
export function clampToFrames(timeline: MediaTimeline, sec: number): number {
  const { videoStartSec, lastFrameSec } = timeline;
  const latestSec = Math.max(videoStartSec, lastFrameSec - LAST_FRAME_SEEK_LEAD_SEC);
  return Math.min(Math.max(videoStartSec, sec), latestSec);
}

/** A point `fraction` of the way through the video's pictures (0 = first frame). */
export function videoTimeAt(timeline: MediaTimeline, fraction: number): number {
  return timeline.videoStartSec + fraction * (timeline.videoEndSec - timeline.videoStartSec);
}

/** Seconds as an ffmpeg time argument, at the microsecond resolution ffmpeg parses. */
export function secondsArg(sec: number): string {
  return sec.toFixed(6);
}

/**
 * Up to `maxCount` windows of `windowSec` (shortened to the span if it is shorter), one centred
 * in each equal slice of `fromSec`–`toSec` and kept inside it: as many as fit whole, at least one.
 */
export function evenlySpacedWindows(
  fromSec: number,
  toSec: number,
  windowSec: number,
  maxCount: number,
): Array<{ startSec: number; durationSec: number }> {
  const spanSec = toSec - fromSec;
  const durationSec = Math.min(windowSec, spanSec);
  const count = Math.min(maxCount, Math.max(1, Math.floor(spanSec / windowSec)));
  return Array.from({ length: count }, (_, slot) => {
    const centredSec = ((slot + 0.5) / count) * spanSec - durationSec / 2;
    return { startSec: fromSec + Math.min(Math.max(0, centredSec), Math.max(0, spanSec - durationSec)), durationSec };
  });
}
