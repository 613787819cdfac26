// @vitest-environment node
/**
 * Captions as a task, end to end on the local stack (issue 21): guests upload generated videos
 * (espeak-ng speech after a second of silence; the same picture with a silent sound track; no
 * sound track at all), a jobs-only worker makes them READY, and a captions-only worker with the
 * real CLI and the installed Whisper base model transcribes what has sound. Checked as the owner
 * reads it: `captions.forJob`, and the VTT and transcript downloaded through their presigned
 * URLs. Then a 9:16 clip with `captions: true` against the same clip without: the burned-in one
 * differs in its lower part, by white text pixels, and not in its upper half.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { WorkKind } from "../../../convex/lib/workerProtocol";
import { drainQueue } from "../claimLoop";
import { runFfmpeg } from "../pipeline/ffmpegBinaries";
import { probeFile } from "../testing/inspectMedia";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest, type LocalStack } from "../testing/localStack";
import { createWorkerApiClient } from "../workerApiClient";
import { createWorkerLog } from "../workerLog";
import { transcriptSchema } from "./transcript";
import { captionsModelProblem, captionsSettings } from "./transcribeAudio";

const run = promisify(execFile);
const SENTENCE = "We upload our videos every week and share the best moments with our friends.";
const LEAD_IN_SEC = 1;
/** A flat dark picture: burned-in white text is all that can differ between two renders. */
const BACKGROUND = "0x203040";

let stack: LocalStack;
let folder: string;
let speechSec: number;
const logLines: string[] = [];
const log = createWorkerLog("test-worker", (line) => logLines.push(line));

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/** A 640×360 video of `durationSec` whose sound is `audio` (a file), silence, or none. */
async function makeVideo(name: string, durationSec: string, audio: string | "silence" | "none"): Promise<string> {
  const output = path.join(folder, name);
  const picture = ["-f", "lavfi", "-i", `color=c=${BACKGROUND}:size=640x360:rate=25:duration=${durationSec}`];
  const sound =
    audio === "none"
      ? []
      : audio === "silence"
        ? ["-f", "lavfi", "-i", `anullsrc=r=44100:cl=mono:d=${durationSec}`]
        : ["-i", audio];
  const mix =
    audio === "none" || audio === "silence"
      ? audio === "none"
        ? ["-map", "0:v"]
        : ["-map", "0:v", "-map", "1:a"]
      : ["-filter_complex", `[1:a]adelay=${LEAD_IN_SEC * 1000}:all=1,apad,aresample=44100[a]`, "-map", "0:v", "-map", "[a]"];
  // ffmpeg: the picture, and the sound asked for, as H.264/AAC MP4.
  await runFfmpeg([
    ...picture,
    ...sound,
    ...mix,
    ...["-t", durationSec, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    ...(audio === "none" ? [] : ["-c:a", "aac"]),
    output,
  ]);
  return output;
}

beforeAll(async () => {
  const settings = captionsSettings();
  const problem = await captionsModelProblem(settings.modelDir);
  if (problem) throw new Error(problem);
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-captions-task-"));
  const speech = path.join(folder, "speech.wav");
  await run("espeak-ng", ["-v", "en-us", "-s", "150", "-w", speech, SENTENCE]);
  speechSec = Number((await probeFile(speech)).format.duration);
  stack = await startLocalStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

function drain(kinds: WorkKind[]) {
  const api = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
  return drainQueue({
    api,
    log,
    shutdownSignal: new AbortController().signal,
    workerId: `captions-integration-${kinds.join("-")}`,
    concurrency: 1,
    kinds,
    captionsSettings: captionsSettings(),
  });
}

async function uploaded(file: string): Promise<{ guest: ConvexHttpClient; jobId: Id<"video_jobs"> }> {
  const guest = await signInAsGuest(stack.endpoints.convexUrl);
  return { guest, jobId: await uploadVideoAsGuest(guest, file) };
}

async function download(guest: ConvexHttpClient, artifactId: Id<"video_artifacts">): Promise<{ body: Buffer; name: string | null }> {
  const { url } = await guest.action(api.artifacts.getDownloadUrl, { artifactId });
  const response = await fetch(url);
  expect(response.ok).toBe(true);
  return { body: Buffer.from(await response.arrayBuffer()), name: response.headers.get("content-disposition") };
}

describe("captions after READY, by a captions-only worker", { timeout: 300_000 }, () => {
  let speaking: { guest: ConvexHttpClient; jobId: Id<"video_jobs"> };

  test("speech gets a VTT and a transcript with the words; silence is 'no speech'; no sound track, no task", async () => {
    const total = (LEAD_IN_SEC + speechSec + 1).toFixed(3);
    speaking = await uploaded(await makeVideo("speech.mp4", total, path.join(folder, "speech.wav")));
    const quiet = await uploaded(await makeVideo("silence.mp4", "4", "silence"));
    const mute = await uploaded(await makeVideo("mute.mp4", "4", "none"));
    expect(await drain(["process"])).toEqual(["ready", "ready", "ready"]);
    expect(await speaking.guest.query(api.captions.forJob, { jobId: speaking.jobId })).toMatchObject({ status: "QUEUED" });
    expect(await quiet.guest.query(api.captions.forJob, { jobId: quiet.jobId })).toMatchObject({ status: "QUEUED" });
    expect(await mute.guest.query(api.captions.forJob, { jobId: mute.jobId })).toBeNull();
    // A worker of jobs and clips leaves captions alone.
    expect(await drain(["process", "clip"])).toEqual([]);

    const started = performance.now();
    expect(await drain(["captions"])).toEqual(["ready", "ready"]);
    console.log(`[captions task] two captions tasks (${speechSec.toFixed(1)} s of speech, 4 s of silence) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const view = (await speaking.guest.query(api.captions.forJob, { jobId: speaking.jobId }))!;
    expect(view).toMatchObject({ status: "READY", speech: true, language: "en" });
    const vtt = await download(speaking.guest, view.vttArtifactId!);
    expect(vtt.name).toMatch(/-captions-vtt-1\.vtt"?$/);
    const cues = cuesOf(vtt.body.toString("utf8"));
    expect(cues.length).toBeGreaterThan(0);
    const spoken = wordsOf(SENTENCE);
    const heard = new Set(wordsOf(cues.map((cue) => cue.text).join(" ")));
    expect(spoken.filter((word) => heard.has(word)).length / spoken.length, [...heard].join(" ")).toBeGreaterThanOrEqual(0.8);
    for (const cue of cues) {
      expect(cue.startSec).toBeGreaterThanOrEqual(LEAD_IN_SEC - 0.5);
      expect(cue.endSec).toBeLessThanOrEqual(LEAD_IN_SEC + speechSec + 1);
    }
    const transcript = transcriptSchema.parse(JSON.parse((await download(speaking.guest, view.transcriptArtifactId!)).body.toString("utf8")));
    const words = transcript.segments.flatMap((segment) => segment.words.map((word) => word.text));
    expect(spoken.filter((word) => new Set(wordsOf(words.join(" "))).has(word)).length / spoken.length).toBeGreaterThanOrEqual(0.8);

    expect(await quiet.guest.query(api.captions.forJob, { jobId: quiet.jobId })).toMatchObject({ status: "READY", speech: false });
    for (const { guest, jobId } of [speaking, quiet, mute]) expect((await guest.query(api.jobs.get, { jobId }))!.status).toBe("READY");
    // Each artifact once.
    const artifacts = (await speaking.guest.query(api.artifacts.listForJob, { jobId: speaking.jobId }))!;
    expect(artifacts.filter((a) => a.kind === "captions_vtt" || a.kind === "transcript").map((a) => `${a.kind}/${a.index}`).sort()).toEqual([
      "captions_vtt/0",
      "transcript/0",
    ]);
  });

  test("a 9:16 clip with captions burned in differs from the same clip without only in its lower part, by text pixels", async () => {
    const { guest, jobId } = speaking;
    const startSec = LEAD_IN_SEC;
    const endSec = Math.round((LEAD_IN_SEC + Math.min(speechSec, 4)) * 1000) / 1000;
    const plain = (await guest.mutation(api.clips.requestClip, { jobId, startSec, endSec, aspect: "9:16" })).clipId;
    const burned = (await guest.mutation(api.clips.requestClip, { jobId, startSec, endSec, aspect: "9:16", captions: true })).clipId;
    expect(await drain(["clip"])).toEqual(["ready", "ready"]);
    const clips = (await guest.query(api.clips.listForJob, { jobId }))!;
    const files: string[] = [];
    for (const clipId of [plain, burned]) {
      const clip = clips.find((c) => c._id === clipId)!;
      const file = path.join(folder, `${clipId}.mp4`);
      await writeFile(file, (await download(guest, clip.artifactId!)).body);
      files.push(file);
    }
    // A frame a second into the clip, while the first words are shown, as 8-bit grey.
    const frames = await Promise.all(files.map((file) => greyFrame(file, 1.0)));
    const { width, height } = frames[0]!;
    expect(width / height).toBeCloseTo(9 / 16, 1);
    let upper = 0;
    let lower = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        // A text pixel: near white where the plain render is the dark background.
        if (frames[1]!.pixels[i]! > 180 && frames[1]!.pixels[i]! - frames[0]!.pixels[i]! > 100) {
          if (y < height / 2) upper++;
          else lower++;
        }
      }
    }
    expect(upper).toBe(0);
    expect(lower).toBeGreaterThan(50);
  });
});

async function greyFrame(file: string, atSec: number): Promise<{ width: number; height: number; pixels: Buffer }> {
  const video = (await probeFile(file)).streams.find((stream) => stream.codec_type === "video")!;
  const raw = `${file}.grey`;
  // ffmpeg: one frame at `atSec` as raw 8-bit grey.
  await runFfmpeg(["-ss", atSec.toFixed(3), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-y", raw]);
  return { width: video.width!, height: video.height!, pixels: await readFile(raw) };
}

/** The cues of a WebVTT file (identifiers allowed): times and text, read independently of webVtt.ts. */
function cuesOf(vtt: string): Array<{ startSec: number; endSec: number; text: string }> {
  expect(vtt.startsWith("WEBVTT")).toBe(true);
  const seconds = (stamp: string) => stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
  return vtt
    .split(/\n\n+/)
    .slice(1)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const at = lines.findIndex((line) => line.includes("-->"));
      const match = /^([\d:.]+) --> ([\d:.]+)/.exec(lines[at] ?? "");
      if (at < 0 || !match) throw new Error(`not a cue: ${block}`);
      return { startSec: seconds(match[1]!), endSec: seconds(match[2]!), text: lines.slice(at + 1).join(" ") };
    });
}
