// @vitest-environment node
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestVideoLibrary,
  TEST_VIDEOS,
  HIGH_FRAME_RATE,
  TOO_MANY_PIXELS,
  type BrokenFileName,
  type TestVideoLibrary,
  type TestVideoName,
} from "../testing/generateTestVideos";
import { PipelineError } from "./pipelineError";
import { MAX_SOURCE_PIXELS, probeVideo } from "./probeVideo";

// Real ffmpeg runs: generous limits for a busy two-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const NO_LIMIT = { maxDurationSec: 3600 };

let library: TestVideoLibrary;
beforeAll(async () => {
  library = await createTestVideoLibrary();
});
afterAll(() => library.dispose());

describe("probeVideo on generated videos", () => {
  const playable = Object.keys(TEST_VIDEOS) as TestVideoName[];

  it.each(playable)(
    "%s: reports display size, duration, fps, rotation and codecs",
    async (name) => {
      const facts = TEST_VIDEOS[name];
      const media = await probeVideo(await library.path(name), NO_LIMIT);
      expect(media).toMatchObject({
        width: facts.width,
        height: facts.height,
        fps: facts.fps,
        rotation: facts.rotation,
        videoCodec: "h264",
        hasAudio: facts.hasAudio,
      });
      expect(media.durationSec).toBeCloseTo(facts.durationSec, 1);
      expect(media.audioCodec).toBe(facts.hasAudio ? "aac" : undefined);
      expect(media.bitrate).toBeGreaterThan(0);
    },
  );
});

describe("probeVideo failures", () => {
  it.each<[BrokenFileName, RegExp]>([
    ["corrupt", /could not read this file as a video/],
    ["text", /could not read this file as a video/],
    ["audioOnly", /no video track/],
    ["stillImage", /still image/],
  ])("%s: a permanent not_a_video with a readable message", async (name, message) => {
    const failure = await probeVideo(await library.path(name), NO_LIMIT).catch((error) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure).toMatchObject({ code: "not_a_video", retryable: false, message });
  });

  it("too_long when the video exceeds the limit, saying both lengths", async () => {
    const path = await library.path("landscapeWithCuts");
    const failure = await probeVideo(path, { maxDurationSec: 5 }).catch((error) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure.toFailure()).toEqual({
      code: "too_long",
      message: "The video is 0:10 long; the limit is 0:05.",
      retryable: false,
    });
  });

  it("too_long when a short video has more frames than the limit's length at 60 fps", async () => {
    const path = await library.path("highFrameRate");
    const { fps, durationSec } = HIGH_FRAME_RATE;
    // 2 s at 240 fps: within a 5 s limit, but 480 frames against a budget of 5 × 60.
    const failure = await probeVideo(path, { maxDurationSec: 5 }).catch((error) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure.toFailure()).toEqual({
      code: "too_long",
      message: `At ${fps} frames per second the video has about ${fps * durationSec} frames; the most we process is 300, as many as 0:05 at 60 frames per second.`,
      retryable: false,
    });
    // Under a limit whose budget covers it, it is an ordinary video.
    expect(await probeVideo(path, { maxDurationSec: 8 })).toMatchObject({ fps, width: 64, height: 36 });
  });

  it("too_large_resolution above 4K, saying the size", async () => {
    const path = await library.path("tooManyPixels");
    const failure = await probeVideo(path, NO_LIMIT).catch((error) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    const { width, height } = TOO_MANY_PIXELS;
    expect(failure.toFailure()).toEqual({
      code: "too_large_resolution",
      message: expect.stringContaining(`${width}×${height} pixels; the largest we process is 4K`),
      retryable: false,
    });
  });

  it("a retryable processing_error when ffprobe cannot be started", async () => {
    vi.stubEnv("FFPROBE_PATH", "/nonexistent/ffprobe");
    try {
      const failure = await probeVideo(await library.path("oneSecond"), NO_LIMIT).catch((e) => e);
      expect(failure).toMatchObject({ code: "processing_error", retryable: true });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("passes an abort through instead of blaming the file", async () => {
    const reason = new Error("canceled");
    const path = await library.path("oneSecond");
    await expect(probeVideo(path, { ...NO_LIMIT, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });
});

/** Cases no generated file shows, fed to probeVideo by a stand-in ffprobe. */
describe("probeVideo on canned ffprobe output", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "reeldrop-fake-ffprobe-"));
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => rm(folder, { recursive: true, force: true }));

  async function probeCanned(output: object) {
    const script = join(folder, `ffprobe-${Math.random().toString(36).slice(2)}.sh`);
    await writeFile(script, `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(output)}\nJSON\n`);
    await chmod(script, 0o755);
    vi.stubEnv("FFPROBE_PATH", script);
    return probeVideo("/uploads/source.mp4", NO_LIMIT);
  }
  const h264 = {
    codec_type: "video",
    codec_name: "h264",
    width: 1920,
    height: 1080,
    avg_frame_rate: "30000/1001",
  };

  it("counts frames by the average frame rate, and by r_frame_rate only when that is a plausible rate", async () => {
    const mkv = { format_name: "matroska,webm" };
    // 15 minutes whose only rate is a 1/1000 timebase: an ordinary video, not 900,000 frames.
    await expect(
      probeCanned({ streams: [{ ...h264, avg_frame_rate: "0/0", r_frame_rate: "1000/1" }], format: { ...mkv, duration: "900" } }),
    ).resolves.toMatchObject({ durationSec: 900 });
    // A guessed rate that is plausible counts: 1,000 s at 240 fps is over 3,600 s at 60.
    await expect(
      probeCanned({ streams: [{ ...h264, avg_frame_rate: "0/0", r_frame_rate: "240/1" }], format: { ...mkv, duration: "1000" } }),
    ).rejects.toMatchObject({ code: "too_long" });
    // An average rate counts whatever it is.
    await expect(
      probeCanned({ streams: [{ ...h264, avg_frame_rate: "300/1" }], format: { format_name: "mov,mp4", duration: "800" } }),
    ).rejects.toMatchObject({ code: "too_long" });
  });

  it("accepts a picture of exactly the largest size", async () => {
    await expect(
      probeCanned({
        streams: [{ ...h264, width: 4096, height: 3072 }],
        format: { format_name: "mov,mp4", duration: "3" },
      }),
    ).resolves.toMatchObject({ width: 4096, height: 3072 });
    expect(4096 * 3072).toBe(MAX_SOURCE_PIXELS);
  });

  it("places the streams from their headers when the packets cannot be read", async () => {
    // The stand-in answers the packet read with this same JSON: no packets.
    const media = await probeCanned({
      streams: [
        { ...h264, start_time: "1.500000", duration: "5.000000" },
        { codec_type: "audio", codec_name: "aac", start_time: "0.500000", duration: "9.000000" },
      ],
      format: { format_name: "mov,mp4", start_time: "0.500000", duration: "10.000000" },
    });
    expect(media.durationSec).toBe(10);
    expect(media.timeline).toEqual({
      videoStartSec: 1,
      lastFrameSec: expect.closeTo(6 - 1001 / 30000, 6),
      videoEndSec: 6,
      audioEndSec: 9,
    });
  });

  it("rejects a video track with zero duration", async () => {
    await expect(
      probeCanned({ streams: [h264], format: { format_name: "mov,mp4", duration: "0.000000" } }),
    ).rejects.toMatchObject({ code: "not_a_video", message: "The video has no playable length." });
  });

  it("reads the legacy clockwise `rotate` tag and swaps the display size", async () => {
    const media = await probeCanned({
      streams: [{ ...h264, tags: { rotate: "90" } }],
      format: { format_name: "mov,mp4", duration: "12.5" },
    });
    expect(media).toMatchObject({ rotation: 90, width: 1080, height: 1920, fps: 29.97 });
  });

  it("turns the counterclockwise display-matrix angle into a clockwise rotation", async () => {
    const media = await probeCanned({
      streams: [{ ...h264, side_data_list: [{ side_data_type: "Display Matrix", rotation: -90 }] }],
      format: { format_name: "mov,mp4", duration: "12.5" },
    });
    expect(media).toMatchObject({ rotation: 90, width: 1080, height: 1920 });
  });

  it("stretches the width by the sample aspect ratio (anamorphic DVD video)", async () => {
    const media = await probeCanned({
      streams: [{ ...h264, width: 720, height: 480, sample_aspect_ratio: "32:27" }],
      format: { format_name: "mpeg", duration: "60" },
    });
    expect(media).toMatchObject({ width: 853, height: 480 });
  });

  it("ignores cover art and takes the real video track", async () => {
    const coverArt = {
      codec_type: "video",
      codec_name: "mjpeg",
      width: 600,
      height: 600,
      disposition: { attached_pic: 1 },
    };
    const media = await probeCanned({
      streams: [coverArt, h264, { codec_type: "audio", codec_name: "opus" }],
      format: { format_name: "matroska,webm", duration: "3" },
    });
    expect(media).toMatchObject({
      videoCodec: "h264",
      width: 1920,
      audioCodec: "opus",
      hasAudio: true,
    });
    expect(media).not.toHaveProperty("bitrate");
  });
});
