/**
 * Reads what the pipeline needs to know about an upload — one ffprobe call for the headers,
 * one that reads the packets at the end of the video stream — and turns "this is not
 * something we can process" into permanent `not_a_video`/`too_long`/`too_large_resolution`
 * failures.
 *
 * `width`/`height` are what a viewer sees: the coded size stretched by the sample aspect
 * ratio, then swapped when the display matrix turns the picture by ±90°. `rotation` is the
 * clockwise turn a player applies (0, 90, 180 or 270) — the same turn ffmpeg's autorotate
 * applies when the pipeline decodes, so artifacts come out in display orientation.
 *
 * `durationSec` is the container's (what a player shows, and what `too_long` checks, with the
 * frame count derived from it). The
 * pictures may span less of it — an audio track that runs on, a video stream that starts
 * late — so `timeline` says where the video stream's frames really are and how long the
 * audio is: pictures are taken from the one, the audio artifact is cut to the other.
 */
import { resolve } from "node:path";
import { z } from "zod";
import type { Media } from "../../../convex/lib/validators";
import { FfmpegProcessError, runFfprobe } from "./ffmpegBinaries";
import { finiteNumber, parseJson, positiveNumber } from "./ffprobeValues";
import { findLastVideoFrame } from "./lastVideoFrame";
import { frameDurationSec } from "./mediaTime";
import { PipelineError } from "./pipelineError";
import { ffmpegTimeLimitMs, inputLimitSec } from "./runBounds";

/**
 * The most pixels per frame we decode: 4K, in any shape (4096×3072, 4096×2160, 3840×2160 and
 * their portrait turns). Decoder memory grows with the frame size and the threads: at this
 * size an ffmpeg run peaked at 372 MB with the default two threads and 1.03 GB with sixteen
 * (README, "Processing limits"), well under the Modal function's 4 GiB; an 8K frame is 2.6
 * times as large, and before this limit one peaked at 1.9 GB with two threads.
 */
export const MAX_SOURCE_PIXELS = 4096 * 3072;

/**
 * The frames a source may have: as many as the length limit at 60 frames a second. Decoding
 * time follows the frame count, so a short file at hundreds of frames a second would otherwise
 * hold a worker as long as hours of ordinary video.
 */
export const MAX_FRAMES_PER_SECOND_OF_LIMIT = 60;

/** The highest `r_frame_rate` taken as a frame rate when a stream has no average one. */
const MAX_PLAUSIBLE_GUESSED_FPS = 240;

/**
 * Reading headers and a few megabytes takes well under a second; a minute means ffprobe is
 * stuck on something, and the job should fail instead of waiting on it.
 */
const HEADER_PROBE_TIME_LIMIT_MS = 60_000;

/**
 * The last video packet is looked for this far before where the headers say the video ends
 * (the read starts at the keyframe before that): enough for a frame every few seconds.
 */
const LAST_FRAME_SEARCH_SEC = 5;

/**
 * Times in seconds on the decode timeline — 0 is the container's start, as for ffmpeg's
 * `-ss`, `-t` and the filters' `t` — all within `[0, durationSec]`.
 */
export type MediaTimeline = {
  /** The first video frame's time; a video stream may start after the audio. */
  videoStartSec: number;
  /** The last video frame's own time: the latest a still can be taken at. */
  lastFrameSec: number;
  /** Where the pictures stop: the last frame's time plus its duration. */
  videoEndSec: number;
  /** Where the audio track ends (without audio: undefined). */
  audioEndSec?: number;
};

/** What the pipeline works from: the job's recorded `Media` plus where the streams really are. */
export type ProbedVideo = Media & { timeline: MediaTimeline };

/** The facts recorded on the job (the worker API takes exactly `Media`). */
export function mediaRecord(probed: ProbedVideo): Media {
  const { timeline: _timeline, ...media } = probed;
  return media;
}

const ffprobeStream = z.object({
  index: z.number().optional(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  start_time: z.string().optional(),
  duration: z.string().optional(),
  disposition: z
    .object({ attached_pic: z.number().optional(), still_image: z.number().optional() })
    .optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z
    .array(z.object({ side_data_type: z.string().optional(), rotation: z.number().optional() }))
    .optional(),
});

const ffprobeOutput = z.object({
  streams: z.array(ffprobeStream).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      start_time: z.string().optional(),
      duration: z.string().optional(),
      bit_rate: z.string().optional(),
    })
    .optional(),
});

type FfprobeStream = z.infer<typeof ffprobeStream>;

export async function probeVideo(
  path: string,
  options: { maxDurationSec: number; signal?: AbortSignal },
): Promise<ProbedVideo> {
  const { signal } = options;
  let stdout: string;
  try {
    // ffprobe: container and stream facts as JSON.
    stdout = await runFfprobe(
      ["-print_format", "json", "-show_format", "-show_streams", resolve(path)],
      { signal, timeLimitMs: HEADER_PROBE_TIME_LIMIT_MS },
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof FfmpegProcessError) {
      throw new PipelineError(
        "not_a_video",
        "We could not read this file as a video. It may be damaged, incomplete, or not a video at all.",
        { cause: error },
      );
    }
    throw new PipelineError("processing_error", "Could not inspect the video.", { cause: error });
  }

  const parsed = ffprobeOutput.safeParse(parseJson(stdout));
  if (!parsed.success) {
    throw new PipelineError("processing_error", "ffprobe returned output we did not expect.", {
      cause: parsed.error,
    });
  }
  const { streams, format } = parsed.data;

  // Cover art (attached pictures) is a video stream too, but not the video.
  const video = streams.find(
    (stream) => stream.codec_type === "video" && stream.disposition?.attached_pic !== 1,
  );
  if (!video) throw new PipelineError("not_a_video", "The file has no video track.");
  if (isStillImage(format?.format_name, video)) {
    throw new PipelineError("not_a_video", "The file is a still image, not a video.");
  }
  if (!video.width || !video.height) {
    throw new PipelineError("not_a_video", "The video track has no picture size.");
  }
  // The coded size: what the decoder allocates, whatever the aspect ratio or rotation.
  if (video.width * video.height > MAX_SOURCE_PIXELS) {
    throw new PipelineError(
      "too_large_resolution",
      `The video is ${video.width}×${video.height} pixels; the largest we process is 4K ` +
        `(${formatMegapixels(MAX_SOURCE_PIXELS)} megapixels, such as 3840×2160 or 4096×3072).`,
    );
  }

  const durationSec = positiveNumber(format?.duration) ?? positiveNumber(video.duration);
  if (durationSec === undefined) {
    throw new PipelineError("not_a_video", "The video has no playable length.");
  }
  if (durationSec > options.maxDurationSec) {
    throw new PipelineError(
      "too_long",
      `The video is ${formatClock(durationSec)} long; the limit is ${formatClock(options.maxDurationSec)}.`,
    );
  }

  const averageFps = frameRate(video.avg_frame_rate);
  const fps = averageFps ?? frameRate(video.r_frame_rate) ?? 0;
  const frameBudget = options.maxDurationSec * MAX_FRAMES_PER_SECOND_OF_LIMIT;
  // Without an average frame rate, `r_frame_rate` can be a timebase (1000/1 for some WebM and
  // MKV files), not a rate: the budget then trusts only a plausible one, and the run's time
  // limit bounds the rest.
  const budgetFps = averageFps ?? (fps <= MAX_PLAUSIBLE_GUESSED_FPS ? fps : 0);
  if (durationSec * budgetFps > frameBudget) {
    throw new PipelineError(
      "too_long",
      `At ${fps} frames per second the video has about ${Math.round(durationSec * fps)} frames; the most we process is ` +
        `${Math.round(frameBudget)}, as many as ${formatClock(options.maxDurationSec)} at ${MAX_FRAMES_PER_SECOND_OF_LIMIT} frames per second.`,
    );
  }

  const audio = streams.find((stream) => stream.codec_type === "audio");
  const rotation = clockwiseRotation(video);
  const displayWidth = Math.round(video.width * sampleAspectRatio(video.sample_aspect_ratio));
  const quarterTurn = rotation % 180 === 90;
  const bitrate = positiveNumber(format?.bit_rate);

  const media: Media = {
    durationSec,
    width: quarterTurn ? video.height : displayWidth,
    height: quarterTurn ? displayWidth : video.height,
    fps,
    rotation,
    videoCodec: video.codec_name ?? "unknown",
    ...(audio ? { audioCodec: audio.codec_name ?? "unknown" } : {}),
    hasAudio: audio !== undefined,
    ...(bitrate !== undefined ? { bitrate: Math.round(bitrate) } : {}),
  };
  const timeline = await readTimeline(resolve(path), media, { format, video, audio, signal });
  return { ...media, timeline };
}

/**
 * Places the streams on the decode timeline. The video's end comes from its last packets
 * when they can be read, else from the stream's header duration, else the container's; every
 * time is clamped into `[0, durationSec]`, the span the pipeline reads.
 */
async function readTimeline(
  path: string,
  media: Media,
  facts: {
    format: z.infer<typeof ffprobeOutput>["format"];
    video: FfprobeStream;
    audio: FfprobeStream | undefined;
    signal?: AbortSignal;
  },
): Promise<MediaTimeline> {
  const { durationSec } = media;
  const originSec = finiteNumber(facts.format?.start_time) ?? 0;
  const within = (sec: number, floorSec = 0) => Math.min(durationSec, Math.max(floorSec, sec));
  const streamStartSec = (stream: FfprobeStream) =>
    within((finiteNumber(stream.start_time) ?? originSec) - originSec);
  const streamEndSec = (stream: FfprobeStream, startSec: number) => {
    const streamDurationSec = positiveNumber(stream.duration);
    return streamDurationSec === undefined ? durationSec : within(startSec + streamDurationSec);
  };

  const videoStartSec = streamStartSec(facts.video);
  const headerVideoEndSec = streamEndSec(facts.video, videoStartSec);
  const query = {
    streamIndex: facts.video.index ?? 0,
    originSec,
    toSec: inputLimitSec(media),
    signal: facts.signal,
    timeLimitMs: ffmpegTimeLimitMs(durationSec),
  };
  // The tail first; should it hold no video packet (a seek that landed past the video's end
  // in a file without an index for it), the whole span the pipeline will read.
  const last =
    (await findLastVideoFrame(path, {
      ...query,
      fromSec: Math.max(0, headerVideoEndSec - LAST_FRAME_SEARCH_SEC),
    })) ?? (await findLastVideoFrame(path, { ...query, fromSec: 0 }));

  // Without packet times, the old guess: the last frame starts one frame before the end.
  const lastFrameSec = within(
    last?.lastFrameSec ?? headerVideoEndSec - frameDurationSec(media),
    videoStartSec,
  );
  const lastFrameEndSec = last ? last.lastFrameSec + (last.durationSec ?? frameDurationSec(media)) : headerVideoEndSec;
  const videoEndSec = within(lastFrameEndSec, lastFrameSec);
  return {
    videoStartSec,
    lastFrameSec,
    videoEndSec,
    ...(facts.audio ? { audioEndSec: streamEndSec(facts.audio, streamStartSec(facts.audio)) } : {}),
  };
}

/** image2 and the `*_pipe` demuxers read single pictures (PNG, JPEG, …), not video. */
function isStillImage(formatName: string | undefined, video: FfprobeStream) {
  const formats = formatName?.split(",") ?? [];
  return (
    video.disposition?.still_image === 1 ||
    formats.some((name) => name === "image2" || name.endsWith("_pipe"))
  );
}

/**
 * ffprobe reports the display matrix as a counterclockwise angle; older demuxers exported a
 * clockwise `rotate` tag instead. Both are normalised to a clockwise multiple of 90.
 */
function clockwiseRotation(video: FfprobeStream): number {
  const matrixRotation = video.side_data_list?.find(
    (sideData) => sideData.side_data_type === "Display Matrix" && sideData.rotation !== undefined,
  )?.rotation;
  const clockwise =
    matrixRotation !== undefined ? -matrixRotation : Number(video.tags?.rotate ?? 0) || 0;
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

function sampleAspectRatio(value: string | undefined): number {
  const ratio = parseRatio(value);
  return ratio !== undefined && ratio > 0 ? ratio : 1;
}

function frameRate(value: string | undefined): number | undefined {
  const rate = parseRatio(value);
  return rate !== undefined && rate > 0 ? Math.round(rate * 1000) / 1000 : undefined;
}

/** "30000/1001", "16:9" → a number; "0/0" and "N/A" → undefined. */
function parseRatio(value: string | undefined): number | undefined {
  const match = value?.match(/^(\d+)[/:](\d+)$/);
  if (!match) return undefined;
  const ratio = Number(match[1]) / Number(match[2]);
  return Number.isFinite(ratio) ? ratio : undefined;
}

/** 12_582_912 → "12.6". */
function formatMegapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(1);
}

/** 754.2 → "12:34", 3723 → "1:02:03". */
function formatClock(totalSec: number): string {
  const whole = Math.round(totalSec);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = String(whole % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}
