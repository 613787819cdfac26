/**
 * Where the video's pictures really end, read from the packets at the end of the video
 * stream. Headers give only a rounded container duration, sometimes no stream duration at
 * all (Matroska), and a last frame may last longer than the frame rate says; a still seeked
 * past the last frame's own timestamp gets no picture. Reading packets only demuxes (no
 * decoding), from the keyframe before the tail onwards, so this costs milliseconds.
 */
import { z } from "zod";
import { FfmpegProcessError, FfmpegTimeLimitError, runFfprobe } from "./ffmpegBinaries";
import { finiteNumber, parseJson, positiveNumber } from "./ffprobeValues";

/** Times in seconds on the decode timeline (the container's start = 0). */
export type LastVideoFrame = {
  /** The last frame's presentation time: the latest time a seek can target and get a picture. */
  lastFrameSec: number;
  /** How long that frame is shown, when its packet says (callers fall back to the frame rate). */
  durationSec?: number;
};

export type LastVideoFrameQuery = {
  /** ffprobe's index of the video stream. */
  streamIndex: number;
  /** The container's `start_time`, which packet times include and the decode timeline does not. */
  originSec: number;
  /** Read packets between these decode-timeline times (the start is rounded down to a keyframe). */
  fromSec: number;
  toSec: number;
  signal?: AbortSignal;
  timeLimitMs: number;
};

const packets = z.object({
  packets: z
    .array(
      z.object({
        pts_time: z.string().optional(),
        duration_time: z.string().optional(),
        flags: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * The last presented video frame between `fromSec` and `toSec`, or undefined when no packet
 * there has a timestamp (or ffprobe could not read them): callers fall back to the headers.
 */
export async function findLastVideoFrame(
  path: string,
  query: LastVideoFrameQuery,
): Promise<LastVideoFrame | undefined> {
  const at = (sec: number) => (query.originSec + sec).toFixed(6);
  const interval = `${at(query.fromSec)}%${at(query.toSec)}`;
  let stdout: string;
  try {
    // ffprobe: the video stream's packet times (no decoding) in the interval, as JSON.
    stdout = await runFfprobe(
      [
        ...["-select_streams", String(query.streamIndex), "-read_intervals", interval],
        ...["-show_entries", "packet=pts_time,duration_time,flags", "-print_format", "json"],
        path,
      ],
      { signal: query.signal, timeLimitMs: query.timeLimitMs },
    );
  } catch (error) {
    if (error instanceof FfmpegProcessError || error instanceof FfmpegTimeLimitError) {
      return undefined;
    }
    throw error;
  }
  const parsed = packets.safeParse(parseJson(stdout));
  if (!parsed.success) return undefined;

  let last: LastVideoFrame | undefined;
  for (const packet of parsed.data.packets) {
    // "D": a packet the demuxer keeps only to decode others (cut by an edit list); never shown.
    if (packet.flags?.includes("D")) continue;
    const pts = finiteNumber(packet.pts_time);
    if (pts === undefined) continue;
    const ptsSec = pts - query.originSec;
    // Packets come in decode order; with B-frames the last one shown is the latest pts.
    if (last === undefined || ptsSec > last.lastFrameSec) {
      const durationSec = positiveNumber(packet.duration_time);
      last = { lastFrameSec: ptsSec, ...(durationSec === undefined ? {} : { durationSec }) };
    }
  }
  return last;
}
