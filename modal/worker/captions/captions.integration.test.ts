/**
 * Captions end to end on this machine: espeak-ng speech muxed into a 9:16 video by FFmpeg,
 * transcribed by the real CLI with the installed Whisper base model, turned into WebVTT that
 * FFmpeg's own WebVTT reader accepts, and burned into a clip whose lower part then shows text.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFfmpeg } from "../pipeline/ffmpegBinaries";
import { probeFile } from "../testing/inspectMedia";
import { burnCaptions, burnInStyle } from "./burnCaptions";
import type { Transcript } from "./transcript";
import { CaptionsError, captionsModelProblem, captionsSettings, transcribeAudio } from "./transcribeAudio";
import { buildCues, captionsVtt } from "./webVtt";

const run = promisify(execFile);
const SENTENCES = [
  "We upload our videos every week and share the best moments with our friends.",
  "Please call me back tomorrow morning when you have time to talk about the new project.",
];
const LEAD_IN_SEC = 1;
const SIZE = { width: 540, height: 960 };

let folder: string;
let video: string;
let speechSec: number;
let transcript: Transcript;
const progress: Array<[number, number]> = [];

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-captions-"));
  const speech = path.join(folder, "speech.wav");
  await run("espeak-ng", ["-v", "en-us", "-s", "140", "-w", speech, SENTENCES.join(" ")]);
  const probed = await probeFile(speech);
  speechSec = Number(probed.format.duration);
  const total = (LEAD_IN_SEC + speechSec + 1).toFixed(3);
  video = path.join(folder, "vertical.mp4");
  // ffmpeg: a 9:16 test picture with the speech after a second of silence.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=${SIZE.width}x${SIZE.height}:rate=25:duration=${total}`, "-i", speech],
    ...["-filter_complex", `[1:a]adelay=${LEAD_IN_SEC * 1000}:all=1,apad,aresample=44100[a]`, "-map", "0:v", "-map", "[a]"],
    ...["-t", total, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", video],
  ]);
  const settings = captionsSettings();
  const problem = await captionsModelProblem(settings.modelDir);
  if (problem) throw new Error(problem);
  const started = performance.now();
  transcript = await transcribeAudio({
    audioPath: video,
    outPath: path.join(folder, "transcript.json"),
    settings,
    onProgress: (processed, duration) => progress.push([processed, duration]),
    timeLimitMs: 170_000,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`[captions] ${speechSec.toFixed(1)} s of speech transcribed in ${seconds.toFixed(1)} s (CLI, model loading included)`);
}, 240_000);

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("captions for a video with speech", () => {
  it("transcribes most of the spoken words, timed inside the speech, with progress", () => {
    expect(transcript.speech).toBe(true);
    expect(transcript.language).toBe("en");
    const heard = new Set(wordsOf(transcript.segments.map((segment) => segment.text).join(" ")));
    const spoken = wordsOf(SENTENCES.join(" "));
    const found = spoken.filter((word) => heard.has(word));
    expect(found.length / spoken.length, [...heard].join(" ")).toBeGreaterThanOrEqual(0.8);
    for (const cue of buildCues(transcript)) {
      expect(cue.start).toBeGreaterThanOrEqual(LEAD_IN_SEC - 0.5);
      expect(cue.end).toBeLessThanOrEqual(LEAD_IN_SEC + speechSec + 1);
    }
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
  });

  it("makes WebVTT within the limits that FFmpeg's WebVTT reader turns into as many events", async () => {
    const vtt = captionsVtt(transcript);
    const cues = buildCues(transcript);
    expect(cues.length).toBeGreaterThanOrEqual(2);
    for (const cue of cues) {
      expect(cue.lines.length).toBeLessThanOrEqual(2);
      for (const line of cue.lines) expect(line.length).toBeLessThanOrEqual(42);
      expect(cue.end - cue.start).toBeLessThanOrEqual(7);
    }
    const vttPath = path.join(folder, "captions.vtt");
    const assPath = path.join(folder, "captions.ass");
    await writeFile(vttPath, vtt);
    // ffmpeg: read the file as WebVTT (the demuxer refuses a malformed one) and write it as ASS.
    await runFfmpeg(["-f", "webvtt", "-i", vttPath, assPath]);
    const dialogue = (await readFile(assPath, "utf8")).split("\n").filter((line) => line.startsWith("Dialogue:"));
    expect(dialogue).toHaveLength(cues.length);
    expect(dialogue[0]).toContain(cues[0]!.lines[0]);
  });

  it("burns the range's words into a 9:16 clip: its lower part differs from a render without them, its top does not", async () => {
    const first = transcript.segments[0]!.words[0]!;
    const startSec = Math.max(0, first.start - 0.5);
    const durationSec = 3;
    const captioned = path.join(folder, "captioned.mp4");
    const { cues } = await burnCaptions({ input: video, output: captioned, startSec, durationSec, transcript, size: SIZE });
    expect(cues).toBeGreaterThan(0);
    const plain = path.join(folder, "plain.mp4");
    // ffmpeg: the same range and encoding, without the captions (the reference render).
    await runFfmpeg([
      ...["-ss", startSec.toFixed(6), "-t", String(durationSec), "-i", video, "-map", "0:v:0", "-map", "0:a:0?"],
      ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", plain],
    ]);
    const probed = await probeFile(captioned);
    expect(probed.streams.map((stream) => stream.codec_type).sort()).toEqual(["audio", "video"]);
    expect(Number(probed.format.duration)).toBeCloseTo(durationSec, 0);

    // A frame 1.5 s in, while words are on screen.
    const [withText, without] = await Promise.all([frameRgb(captioned, 1.5), frameRgb(plain, 1.5)]);
    const rowDiff = (y: number) => {
      let sum = 0;
      for (let x = 0; x < SIZE.width; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * SIZE.width + x) * 3 + c;
          sum += Math.abs(withText[i]! - without[i]!);
        }
      }
      return sum / (SIZE.width * 3);
    };
    const rowDiffs = Array.from({ length: SIZE.height }, (_, y) => rowDiff(y));
    const changedRows = rowDiffs.flatMap((diff, y) => (diff > 8 ? [y] : []));
    expect(changedRows.length, "rows with the captions").toBeGreaterThan(SIZE.height * 0.03);
    // Every changed row is in the lower half, above the bottom safe margin (16 %, minus the outline).
    expect(Math.min(...changedRows)).toBeGreaterThan(SIZE.height * 0.5);
    expect(Math.max(...changedRows)).toBeLessThan(SIZE.height * 0.86);
    // The words are white type: pixels that turned near-white where the picture changed.
    let white = 0;
    for (const y of changedRows) {
      for (let x = 0; x < SIZE.width; x++) {
        const i = (y * SIZE.width + x) * 3;
        if (withText[i]! > 235 && withText[i + 1]! > 235 && withText[i + 2]! > 235 && without[i]! + without[i + 1]! + without[i + 2]! < 600) white++;
      }
    }
    expect(white).toBeGreaterThan(500);
  }, 120_000);

  it("sizes the burned-in type from the picture: a full line fills about 90 % of a 9:16 width", () => {
    const style = burnInStyle({ width: 1080, height: 1920 });
    expect(style).toContain("FontName=DejaVu Sans");
    expect(style).toContain("Alignment=2");
    const fontSize = Number(/Fontsize=([\d.]+)/.exec(style)![1]);
    const fontPx = (fontSize * 1920) / 288;
    expect(fontPx * 0.62 * 20).toBeCloseTo(0.9 * 1080, -1);
  });
});

describe("when transcription cannot run", () => {
  it("a missing model is a clear CaptionsError, not a crash", async () => {
    const settings = { ...captionsSettings(), modelDir: path.join(folder, "no-model") };
    expect(await captionsModelProblem(settings.modelDir)).toMatch(/setup_model\.py/);
    const error = await transcribeAudio({ audioPath: video, outPath: path.join(folder, "x.json"), settings }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptionsError);
    expect(error).toMatchObject({ code: "model_missing", retryable: false });
  }, 60_000);

  it("a missing Python is named", async () => {
    const settings = { ...captionsSettings(), python: path.join(folder, "no-python") };
    const error = await transcribeAudio({ audioPath: video, outPath: path.join(folder, "x.json"), settings }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "python_unavailable" });
  });
});

/** One decoded frame at `sec` as packed RGB24. */
async function frameRgb(file: string, sec: number): Promise<Buffer> {
  const out = path.join(folder, `${path.basename(file)}-${sec}.rgb`);
  // ffmpeg: one frame at the time, as raw RGB.
  await runFfmpeg(["-ss", String(sec), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", out]);
  return readFile(out);
}
