// @vitest-environment node
import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ARTIFACT_CONTENT_TYPES, type ArtifactKind } from "../../../convex/lib/artifactKinds";
import { TEST_VIDEOS, type TestVideoName } from "../testing/generateTestVideos";
import {
  colorDistance,
  frameColor,
  parseVtt,
  probeFile,
  readAnimatedWebp,
  type ProbedStream,
} from "../testing/inspectMedia";
import { processesRunningIn } from "../testing/runningProcesses";
import { PipelineError } from "./pipelineError";
import { probeVideo } from "./probeVideo";
import { ofKind, usePipelineFixture, type PipelineRun } from "../testing/pipelineFixture";
import { ARTIFACT_STAGES, produceArtifacts, type ArtifactStage } from "./produceArtifacts";

// Real ffmpeg runs: generous limits for a busy two-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const { videoPath, newWorkDir, runPipeline } = usePipelineFixture();

function videoStream(streams: ProbedStream[]) {
  const stream = streams.find((candidate) => candidate.codec_type === "video");
  if (!stream) throw new Error("no video stream");
  return stream;
}

const playable = Object.keys(TEST_VIDEOS) as TestVideoName[];

describe.each(playable)("produceArtifacts on %s", (name) => {
  const facts = TEST_VIDEOS[name];
  const frameSec = 1 / facts.fps;
  const portrait = facts.height > facts.width;
  let run: PipelineRun;

  beforeAll(async () => {
    run = await runPipeline(name);
  });

  it("produces the full artifact set, each file where it says and as large as it says", async () => {
    const count = (kind: ArtifactKind) => ofKind(run.artifacts, kind).length;
    expect(count("poster")).toBe(1);
    expect(count("thumbnail")).toBe(6);
    expect(count("preview")).toBe(1);
    expect(count("storyboard")).toBeGreaterThanOrEqual(1);
    expect(count("storyboard_vtt")).toBe(1);
    expect(count("clip")).toBeGreaterThanOrEqual(1);
    expect(count("clip")).toBeLessThanOrEqual(3);
    expect(count("clip_poster")).toBe(count("clip"));
    expect(count("audio")).toBe(facts.hasAudio ? 1 : 0);

    for (const artifact of run.artifacts) {
      expect(artifact.path.startsWith(`${run.workDir}/${artifact.kind}/`)).toBe(true);
      expect(artifact.contentType).toBe(ARTIFACT_CONTENT_TYPES[artifact.kind]);
      expect(artifact.bytes).toBe((await stat(artifact.path)).size);
      expect(artifact.bytes).toBeGreaterThan(0);
    }
    const kinds = run.artifacts.map((artifact) => `${artifact.kind}/${artifact.index}`);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it("writes JPEG stills, sheets and clips at the sizes it reports, in display orientation", async () => {
    const pictures = run.artifacts.filter((artifact) =>
      ["poster", "thumbnail", "storyboard", "clip", "clip_poster"].includes(artifact.kind),
    );
    for (const artifact of pictures) {
      const video = videoStream((await probeFile(artifact.path)).streams);
      expect(video.codec_name).toBe(artifact.kind === "clip" ? "h264" : "mjpeg");
      expect({ width: video.width, height: video.height }).toEqual({
        width: artifact.width,
        height: artifact.height,
      });
      if (artifact.kind !== "storyboard") {
        expect((artifact.height ?? 0) > (artifact.width ?? 0)).toBe(portrait);
      }
    }
    const [poster] = ofKind(run.artifacts, "poster");
    expect(Math.max(poster?.width ?? 0, poster?.height ?? 0)).toBe(
      Math.min(1280, Math.max(facts.width, facts.height)),
    );
    for (const thumbnail of ofKind(run.artifacts, "thumbnail")) {
      expect(Math.max(thumbnail.width ?? 0, thumbnail.height ?? 0)).toBeLessThanOrEqual(320);
    }
  });

  it("spreads the thumbnails over the video", () => {
    const starts = ofKind(run.artifacts, "thumbnail").map((thumbnail) => thumbnail.startSec ?? -1);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts[0]).toBeLessThan(facts.durationSec / 6);
    expect(starts.at(-1)).toBeGreaterThan((facts.durationSec * 5) / 6);
  });

  it("makes a looping, animated WebP preview", async () => {
    const [preview] = ofKind(run.artifacts, "preview");
    const webp = readAnimatedWebp(await readFile(preview?.path ?? ""));
    expect(webp.frameCount).toBeGreaterThan(1);
    expect(webp.loopCount).toBe(0);
    expect({ width: webp.width, height: webp.height }).toEqual({
      width: preview?.width,
      height: preview?.height,
    });
    expect(webp.height > webp.width).toBe(portrait);
  });

  it("indexes the storyboard with a VTT that covers the whole video, tile by tile", async () => {
    const [vtt] = ofKind(run.artifacts, "storyboard_vtt");
    const cues = parseVtt(await readFile(vtt?.path ?? "", "utf8"));
    const sheets = ofKind(run.artifacts, "storyboard");
    expect(cues[0]?.startSec).toBe(0);
    expect(cues.at(-1)?.endSec).toBeCloseTo(facts.durationSec, 1);
    cues.forEach((cue, index) => {
      if (index > 0) expect(cue.startSec).toBe(cues[index - 1]?.endSec);
      const match = cue.text.match(/^storyboard\/(\d+)\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$/);
      const [sheetIndex, x, y, w, h] = (match ?? []).slice(1).map(Number);
      const sheet = sheets.find((candidate) => candidate.index === sheetIndex);
      expect(sheet, cue.text).toBeDefined();
      expect((x ?? 0) + (w ?? 0)).toBeLessThanOrEqual(sheet?.width ?? 0);
      expect((y ?? 0) + (h ?? 0)).toBeLessThanOrEqual(sheet?.height ?? 0);
      expect((h ?? 0) > (w ?? 0)).toBe(portrait);
    });
  });

  it("cuts H.264 clips that start at 0 and last as long as reported", async () => {
    for (const clip of ofKind(run.artifacts, "clip")) {
      const { streams } = await probeFile(clip.path);
      const video = videoStream(streams);
      expect(Number(video.start_time)).toBe(0);
      expect(Number(video.duration)).toBeCloseTo(clip.durationSec ?? 0, 1);
      const audio = streams.find((stream) => stream.codec_type === "audio");
      expect(audio?.codec_name).toBe(facts.hasAudio ? "aac" : undefined);
      expect((clip.startSec ?? 0) + (clip.durationSec ?? 0)).toBeLessThanOrEqual(
        facts.durationSec + frameSec,
      );
    }
  });

  it("gives every clip a poster: its first frame, at its size", async () => {
    const posters = ofKind(run.artifacts, "clip_poster");
    for (const clip of ofKind(run.artifacts, "clip")) {
      const poster = posters.find((candidate) => candidate.index === clip.index);
      expect(poster, `clip ${clip.index}`).toMatchObject({ width: clip.width, height: clip.height, startSec: clip.startSec });
      const posterColor = await frameColor(poster?.path ?? "", 0);
      expect(colorDistance(posterColor, await frameColor(clip.path, 0))).toBeLessThan(12);
    }
  });

  if (facts.sceneCutsSec.length > 0) {
    it("starts each clip on a scene cut, on the cut's first frame", async () => {
      const clips = ofKind(run.artifacts, "clip");
      expect(clips).toHaveLength(facts.sceneCutsSec.length);
      for (const [index, clip] of clips.entries()) {
        const cutSec = facts.sceneCutsSec[index] ?? NaN;
        expect(Math.abs((clip.startSec ?? 0) - cutSec)).toBeLessThan(frameSec);
        // The clip's first frame looks like the source's first frame after the cut, not the
        // last frame before it.
        const cutFrame = Math.round(cutSec * facts.fps);
        const first = await frameColor(clip.path, 0);
        const afterCut = await frameColor(run.inputPath, cutFrame);
        const beforeCut = await frameColor(run.inputPath, cutFrame - 1);
        expect(colorDistance(first, afterCut)).toBeLessThan(colorDistance(first, beforeCut));
        expect(colorDistance(first, afterCut)).toBeLessThan(12);
      }
    });
  }

  it(
    facts.hasAudio ? "extracts the audio track as AAC in .m4a" : "makes no audio artifact",
    async () => {
      const [audio] = ofKind(run.artifacts, "audio");
      if (!facts.hasAudio) {
        expect(audio).toBeUndefined();
        return;
      }
      const { streams } = await probeFile(audio?.path ?? "");
      expect(streams.map((stream) => [stream.codec_type, stream.codec_name])).toEqual([
        ["audio", "aac"],
      ]);
      expect(Number(streams[0]?.duration)).toBeCloseTo(facts.durationSec, 0);
    },
  );

  it("reports every stage in order, each rising to 100 percent", () => {
    const stages = [...new Set(run.progress.map((report) => report.stage))];
    expect(stages).toEqual([...ARTIFACT_STAGES]);
    for (const stage of ARTIFACT_STAGES) {
      const pcts = run.progress
        .filter((report) => report.stage === stage)
        .map((report) => report.pct);
      expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
      expect(pcts[0]).toBe(0);
      expect(pcts.at(-1)).toBe(100);
    }
  });
});

describe("produceArtifacts when stopped or failing", () => {
  it("stops at the abort, rejects with its reason and leaves no ffmpeg running", async () => {
    const inputPath = await videoPath("tenMinutes");
    const media = await probeVideo(inputPath, { maxDurationSec: 3600 });
    const workDir = await newWorkDir();
    const controller = new AbortController();
    const reason = new Error("job canceled");
    const stagesSeen: ArtifactStage[] = [];
    const running = produceArtifacts({
      inputPath,
      media,
      workDir,
      signal: controller.signal,
      onProgress: (stage, pct) => {
        stagesSeen.push(stage);
        // The first report from ffmpeg itself: the full-video pass is running.
        if (stage === "scan" && pct > 0) controller.abort(reason);
      },
    });
    await expect(running).rejects.toBe(reason);
    expect(stagesSeen).not.toContain("clips");
    expect(await processesRunningIn(workDir)).toEqual([]);
  });

  it("turns an ffmpeg failure into a retryable processing_error that names no internal path", async () => {
    const inputPath = await videoPath("oneSecond");
    const media = await probeVideo(inputPath, { maxDurationSec: 3600 });
    const missingInput = join(await newWorkDir(), "deleted-after-probing.mp4");
    const failure = await produceArtifacts({
      inputPath: missingInput,
      media,
      workDir: await newWorkDir(),
      signal: new AbortController().signal,
      onProgress: () => {},
    }).catch((error) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure).toMatchObject({ code: "processing_error", retryable: true });
    expect(failure.message).toMatch(/^Processing failed while making the video's images and clips/);
    // The message reaches the person who uploaded; ffmpeg's words and paths stay in the cause,
    // for the worker's log.
    expect(failure.message).not.toContain(tmpdir());
    expect(failure.message).not.toContain("/");
    expect(String(failure.cause?.message)).toContain(missingInput);
  });
});
