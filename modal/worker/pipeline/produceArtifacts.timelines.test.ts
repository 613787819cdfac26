// @vitest-environment node
/**
 * Sources whose streams do not fill the container the way a plain export's do — a header
 * that understates the length, audio that outlasts the video, a video that starts late — and
 * sources that are barely videos: every one yields every artifact, taken from the moments it
 * claims to show, and nothing beyond the length that was probed is decoded or written.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ArtifactKind } from "../../../convex/lib/artifactKinds";
import { LATE_VIDEO_COLORS, ODD_TIMELINES, type OddTimelineName } from "../testing/generateTestVideos";
import { colorDistance, parseVtt, probeFile, regionColor } from "../testing/inspectMedia";
import { createRecordingFfmpeg, type RecordingFfmpeg } from "../testing/recordingFfmpeg";
import { ofKind, usePipelineFixture, type PipelineRun } from "../testing/pipelineFixture";
import type { ProducedArtifact } from "./produceArtifacts";
import { INPUT_MARGIN_SEC } from "./runBounds";

// Real ffmpeg runs on inputs of a few seconds: each case takes a second or two.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const { videoPath, runPipeline } = usePipelineFixture();

function expectEveryArtifact(artifacts: ProducedArtifact[], hasAudio: boolean) {
  const count = (kind: ArtifactKind) => ofKind(artifacts, kind).length;
  expect(count("poster")).toBe(1);
  expect(count("thumbnail")).toBe(6);
  expect(count("storyboard")).toBeGreaterThanOrEqual(1);
  expect(count("storyboard_vtt")).toBe(1);
  expect(count("preview")).toBe(1);
  expect(count("clip")).toBeGreaterThanOrEqual(1);
  expect(count("audio")).toBe(hasAudio ? 1 : 0);
}

async function fileDurationSec(path: string): Promise<number> {
  return Number((await probeFile(path)).format.duration);
}

describe("a header that understates the length (30 s of media, a header saying 2 s)", () => {
  const { claimedSec } = ODD_TIMELINES.understatedLength;
  let recorder: RecordingFfmpeg;
  let run: PipelineRun;
  beforeAll(async () => {
    await videoPath("understatedLength");
    recorder = await createRecordingFfmpeg();
    vi.stubEnv("FFMPEG_PATH", recorder.path);
    try {
      run = await runPipeline("understatedLength");
    } finally {
      vi.unstubAllEnvs();
    }
  });
  afterAll(() => recorder.dispose());

  it("writes the audio the header claims, not the 30 s behind it", async () => {
    expect(run.media.durationSec).toBeCloseTo(claimedSec, 1);
    expectEveryArtifact(run.artifacts, ODD_TIMELINES.understatedLength.hasAudio);
    const [audio] = ofKind(run.artifacts, "audio");
    expect(audio?.durationSec).toBeCloseTo(claimedSec, 1);
    expect(await fileDurationSec(audio?.path ?? "")).toBeLessThan(claimedSec + 0.2);
  });

  it("bounds every ffmpeg run to one read of the source, stopping at the probed length", async () => {
    const runs = await recorder.runs();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const args of runs) {
      // One input per run: one decoder of the source alive at a time.
      const inputAt = args.indexOf("-i");
      expect(args.filter((arg) => arg === "-i"), args.join(" ")).toHaveLength(1);
      // `-t` before `-i` limits what is read; with a seek it counts from the seek.
      const inputOptions = args.slice(0, inputAt);
      const tAt = inputOptions.lastIndexOf("-t");
      expect(tAt, args.join(" ")).toBeGreaterThanOrEqual(0);
      const ssAt = inputOptions.lastIndexOf("-ss");
      const readsUntilSec =
        (ssAt >= 0 ? Number(inputOptions[ssAt + 1]) : 0) + Number(inputOptions[tAt + 1]);
      expect(readsUntilSec).toBeLessThanOrEqual(claimedSec + INPUT_MARGIN_SEC + 1e-6);
    }
  });
});

describe("audio that outlasts the video (2 s of video, 6 s of audio)", () => {
  const { videoSec, audioSec } = ODD_TIMELINES.audioOutlastsVideo;

  it("takes every picture within the video and keeps all of the audio", async () => {
    const { media, artifacts } = await runPipeline("audioOutlastsVideo");
    // Matroska shifts both streams by the AAC encoder's priming delay (64 ms here).
    const slackSec = 0.1;
    expect(Math.abs(media.durationSec - audioSec)).toBeLessThan(slackSec);
    expectEveryArtifact(artifacts, ODD_TIMELINES.audioOutlastsVideo.hasAudio);
    for (const still of [...ofKind(artifacts, "poster"), ...ofKind(artifacts, "thumbnail")]) {
      expect(still.startSec).toBeLessThan(videoSec + slackSec);
    }
    for (const clip of ofKind(artifacts, "clip")) {
      const endSec = (clip.startSec ?? 0) + (clip.durationSec ?? 0);
      expect(endSec).toBeLessThanOrEqual(videoSec + slackSec);
    }
    const [vtt] = ofKind(artifacts, "storyboard_vtt");
    const cues = parseVtt(await readFile(vtt?.path ?? "", "utf8"));
    expect(Math.abs((cues.at(-1)?.endSec ?? 0) - videoSec)).toBeLessThan(slackSec);

    const [audio] = ofKind(artifacts, "audio");
    expect(Math.abs((audio?.durationSec ?? 0) - audioSec)).toBeLessThan(slackSec);
    expect(Math.abs((await fileDurationSec(audio?.path ?? "")) - audioSec)).toBeLessThan(slackSec);
  });
});

describe("a video that starts 2 s after its audio", () => {
  it("shows, in each storyboard tile, the frame on screen at its cue's time", async () => {
    const { artifacts } = await runPipeline("lateVideo");
    // Where the first frame really is: the 2 s offset plus the audio encoder's priming delay.
    const source = await probeFile(await videoPath("lateVideo"));
    const videoStream = source.streams.find((stream) => stream.codec_type === "video");
    const videoStartSec = Number(videoStream?.start_time) - Number(source.format.start_time);
    expect(videoStartSec).toBeGreaterThanOrEqual(ODD_TIMELINES.lateVideo.videoStartSec);
    expectEveryArtifact(artifacts, ODD_TIMELINES.lateVideo.hasAudio);
    const [vtt] = ofKind(artifacts, "storyboard_vtt");
    const cues = parseVtt(await readFile(vtt?.path ?? "", "utf8"));
    expect(cues.length).toBeGreaterThanOrEqual(LATE_VIDEO_COLORS.length);

    const shown: string[] = [];
    const expected: string[] = [];
    for (const cue of cues) {
      const [, sheet, x, y, width, height] =
        cue.text.match(/^storyboard\/(\d+)\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$/) ?? [];
      const [sheetArtifact] = ofKind(artifacts, "storyboard").filter(
        (candidate) => candidate.index === Number(sheet),
      );
      const color = await regionColor(sheetArtifact?.path ?? "", {
        x: Number(x),
        y: Number(y),
        width: Number(width),
        height: Number(height),
      });
      shown.push(nearestColorName(color));
      // The frame on screen at the cue's time: before the video starts a player shows its
      // first frame; then one colour a second.
      const second = Math.floor(cue.startSec - videoStartSec);
      const index = Math.min(LATE_VIDEO_COLORS.length - 1, Math.max(0, second));
      expected.push(LATE_VIDEO_COLORS[index]?.[0] ?? "");
    }
    expect(shown).toEqual(expected);
  });
});

function nearestColorName(color: readonly [number, number, number]): string {
  const [nearest] = [...LATE_VIDEO_COLORS].sort(
    (a, b) => colorDistance(color, a[1]) - colorDistance(color, b[1]),
  );
  return nearest?.[0] ?? "";
}

describe("videos of a frame or a fraction of a second", () => {
  it.each<[OddTimelineName, boolean]>([
    ["oneFrame", ODD_TIMELINES.oneFrame.hasAudio],
    ["fifthOfASecond", ODD_TIMELINES.fifthOfASecond.hasAudio],
  ])("%s: yields every artifact", async (name, hasAudio) => {
    const { artifacts } = await runPipeline(name);
    expectEveryArtifact(artifacts, hasAudio);
  });
});
