/** Small time helpers shared by the stages that seek into or cut the source. */
import type { Media } from "../../../convex/lib/validators";

/** ffprobe reports fps 0 when it cannot tell; 25 fps is a harmless guess for seek margins. */
const FALLBACK_FPS = 25;

export function frameDurationSec(media: Media): number {
  return 1 / (media.fps > 0 ? media.fps : FALLBACK_FPS);
}

/** The latest time a seek can target and still land on a frame. */
export function clampToLastFrame(media: Media, sec: number): number {
  return Math.min(Math.max(0, sec), Math.max(0, media.durationSec - frameDurationSec(media)));
}

/** Seconds as an ffmpeg time argument, at the microsecond resolution ffmpeg parses. */
export function secondsArg(sec: number): string {
  return sec.toFixed(6);
}
