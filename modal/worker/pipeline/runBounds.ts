/**
 * How far into the source, and for how long, each ffmpeg run may go. The probed duration
 * comes from headers that an upload can get wrong (a 600 s video whose header says 10 s), so
 * every run reads the source only up to that duration plus a margin — nothing past the
 * length the `too_long` check accepted is decoded or written — and every run has a
 * wall-clock limit, so no input keeps a worker busy for much longer than its length justifies.
 */
import type { ProbedVideo } from "./probeVideo";
import { secondsArg } from "./mediaTime";

/**
 * Read past the probed duration by this much: a container's duration is rounded and may
 * stop short of the last frame's or audio packet's end by a frame or so. A second is far
 * more than that and still nothing a lying header can hide a real video in.
 */
export const INPUT_MARGIN_SEC = 1;

/**
 * The least time any ffmpeg run gets: start-up, opening the source, a seek that decodes a
 * whole GOP of a 4K video, writing the files. Those take a second or two; a hung ffmpeg is
 * what this limit is for, not a slow one.
 */
export const FFMPEG_MIN_TIME_LIMIT_SEC = 120;

/**
 * Wall-clock seconds allowed per second of source a run may have to decode. On 2 CPUs the
 * whole pipeline costs about 0.16 s per second of 1080p30 (scripts/bench/README.md) and the
 * full pass over 4K H.264 about 0.45 s; heavier codecs (4K HEVC, AV1) decode nearer 1 s per
 * second. Two is generous for all of them and still bounds a run to a multiple of the video.
 */
export const FFMPEG_TIME_LIMIT_PER_SOURCE_SEC = 2;

/** The end of what any run reads, in seconds on the decode timeline (the source's start = 0). */
export function inputLimitSec(media: Pick<ProbedVideo, "durationSec">): number {
  return media.durationSec + INPUT_MARGIN_SEC;
}

/**
 * Input options for a run that starts reading at `fromSec`: the seek (when not at 0) and
 * `-t` up to the input limit, both placed before `-i` so they bound what is decoded.
 */
export function boundedInputArgs(media: Pick<ProbedVideo, "durationSec">, fromSec = 0): string[] {
  const seek = fromSec > 0 ? ["-ss", secondsArg(fromSec)] : [];
  return [...seek, "-t", secondsArg(Math.max(0, inputLimitSec(media) - fromSec))];
}

/**
 * The wall-clock limit of a run that may decode the source up to `throughSec` (a seek
 * decodes from the keyframe before its target, which may be the very first frame).
 */
export function ffmpegTimeLimitMs(throughSec: number): number {
  return Math.round(
    1000 *
      (FFMPEG_MIN_TIME_LIMIT_SEC + FFMPEG_TIME_LIMIT_PER_SOURCE_SEC * Math.max(0, throughSec)),
  );
}
