/**
 * Reads what the pipeline needs to know about an upload with one ffprobe call, and turns
 * "this is not something we can process" into permanent `not_a_video`/`too_long` failures.
 *
 * `width`/`height` are what a viewer sees: the coded size stretched by the sample aspect
 * ratio, then swapped when the display matrix turns the picture by ±90°. `rotation` is the
 * clockwise turn a player applies (0, 90, 180 or 270) — the same turn ffmpeg's autorotate
 * applies when the pipeline decodes, so artifacts come out in display orientation.
 */
import { resolve } from "node:path";
import { z } from "zod";
import type { Media } from "../../../convex/lib/validators";
import { FfmpegProcessError, runFfprobe } from "./ffmpegBinaries";
import { PipelineError } from "./pipelineError";

const ffprobeStream = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
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
      duration: z.string().optional(),
      bit_rate: z.string().optional(),
    })
    .optional(),
});

type FfprobeStream = z.infer<typeof ffprobeStream>;

export async function probeVideo(
  path: string,
  options: { maxDurationSec: number; signal?: AbortSignal },
): Promise<Media> {
  const { signal } = options;
  let stdout: string;
  try {
    // ffprobe: container and stream facts as JSON.
    stdout = await runFfprobe(
      ["-print_format", "json", "-show_format", "-show_streams", resolve(path)],
      { signal },
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

  const audio = streams.find((stream) => stream.codec_type === "audio");
  const rotation = clockwiseRotation(video);
  const displayWidth = Math.round(video.width * sampleAspectRatio(video.sample_aspect_ratio));
  const quarterTurn = rotation % 180 === 90;
  const bitrate = positiveNumber(format?.bit_rate);

  return {
    durationSec,
    width: quarterTurn ? video.height : displayWidth,
    height: quarterTurn ? displayWidth : video.height,
    fps: frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate) ?? 0,
    rotation,
    videoCodec: video.codec_name ?? "unknown",
    ...(audio ? { audioCodec: audio.codec_name ?? "unknown" } : {}),
    hasAudio: audio !== undefined,
    ...(bitrate !== undefined ? { bitrate: Math.round(bitrate) } : {}),
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function positiveNumber(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && Number.isFinite(number) && number > 0 ? number : undefined;
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
