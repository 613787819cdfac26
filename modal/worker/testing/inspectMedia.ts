/**
 * Independent readers for what the pipeline wrote, used by tests to check artifacts
 * rather than trusting the pipeline's own description of them.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFfmpeg, runFfprobe } from "../pipeline/ffmpegBinaries";

export type ProbedStream = {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  start_time?: string;
  duration?: string;
};
export type ProbedFile = {
  streams: ProbedStream[];
  format: { duration?: string; start_time?: string };
};

export async function probeFile(path: string): Promise<ProbedFile> {
  // ffprobe: every stream and the container as JSON.
  const json = await runFfprobe(["-print_format", "json", "-show_format", "-show_streams", path]);
  return JSON.parse(json) as ProbedFile;
}

export type Rgb = readonly [number, number, number];

/** The mean colour of one decoded frame (by decode order, counted from 0). */
export function frameColor(path: string, frameIndex: number): Promise<Rgb> {
  // Picks frame n without seeking.
  return meanColor(path, `select=eq(n\\,${frameIndex})`);
}

/** The mean colour of a rectangle of a picture file (a storyboard tile of a sheet). */
export function regionColor(path: string, region: { x: number; y: number; width: number; height: number }): Promise<Rgb> {
  const { x, y, width, height } = region;
  return meanColor(path, `crop=${width}:${height}:${x}:${y}`);
}

/** The first picture `filter` lets through, averaged to one RGB pixel. */
async function meanColor(path: string, filter: string): Promise<Rgb> {
  const folder = await mkdtemp(join(tmpdir(), "reeldrop-color-"));
  try {
    const output = join(folder, "pixel.rgb");
    // ffmpeg: the filter, then a scale to one pixel that averages the picture.
    await runFfmpeg([
      ...["-i", path, "-vf", `${filter},scale=1:1:flags=area`],
      ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", output],
    ]);
    const [red = 0, green = 0, blue = 0] = await readFile(output);
    return [red, green, blue];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export function colorDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

export type AnimatedWebp = { width: number; height: number; frameCount: number; loopCount: number };

/**
 * Reads an animated WebP's RIFF chunks (VP8X canvas, ANIM loop count, one ANMF per frame):
 * FFmpeg 5.1 can write animated WebP but cannot decode it, so ffprobe is no help here.
 */
export function readAnimatedWebp(bytes: Buffer): AnimatedWebp {
  if (bytes.toString("ascii", 0, 4) !== "RIFF" || bytes.toString("ascii", 8, 12) !== "WEBP") {
    throw new Error("not a WebP file");
  }
  const result: AnimatedWebp = { width: 0, height: 0, frameCount: 0, loopCount: -1 };
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const fourcc = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const payload = offset + 8;
    if (fourcc === "VP8X") {
      result.width = bytes.readUIntLE(payload + 4, 3) + 1;
      result.height = bytes.readUIntLE(payload + 7, 3) + 1;
    } else if (fourcc === "ANIM") {
      result.loopCount = bytes.readUInt16LE(payload + 4);
    } else if (fourcc === "ANMF") {
      result.frameCount += 1;
    }
    offset = payload + size + (size % 2);
  }
  return result;
}

export type VttCue = { startSec: number; endSec: number; text: string };

/** A strict-enough WebVTT reader: header, then blank-line separated `start --> end` cues. */
export function parseVtt(text: string): VttCue[] {
  const [header, ...blocks] = text.trim().split(/\n\n+/);
  if (header !== "WEBVTT") throw new Error(`bad WebVTT header: ${header}`);
  return blocks.map((block) => {
    const [timing, ...lines] = block.split("\n");
    const match = timing?.match(/^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})$/);
    if (!match?.[1] || !match[2]) throw new Error(`bad cue timing: ${timing}`);
    return { startSec: vttSeconds(match[1]), endSec: vttSeconds(match[2]), text: lines.join("\n") };
  });
}

function vttSeconds(timestamp: string): number {
  const [hours = 0, minutes = 0, seconds = 0] = timestamp.split(":").map(Number);
  return hours * 3600 + minutes * 60 + seconds;
}
