/**
 * Captions on the job page (issue 21), as the creator sees them: a video whose sound is a
 * spoken sentence (espeak-ng, made here) is uploaded, goes READY, and the local worker (with the
 * captions model installed) transcribes it live: the Captions card shows the transcript, the
 * player carries a showing `<track kind="captions" srclang="en">` with cues, and a click on a
 * transcript line seeks the player to it; the transcript downloads as text; every other player
 * of the job (the clip maker's, the highlight clip's, the creator's clip's) carries the captions
 * of its own part of the video, timed from its start; and a clip asked for with "Burn in
 * captions" is made, says so, and only offers its track (the words are in the picture).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { runFfmpeg } from "../modal/worker/pipeline/ffmpegBinaries";
import { expect, test, type Locator } from "./support/fixtures";
import { fileInput, openJobAwaitingFile } from "./support/uploadPage";

const SENTENCE = "We upload our videos every week and share the best moments with our friends.";
let video: string;

/** A player's captions track as the browser has it: its mode and its cues (times and text). */
function captionsOf(player: Locator) {
  return player.evaluate((element: HTMLVideoElement) => {
    const track = Array.from(element.textTracks).find((candidate) => candidate.kind === "captions");
    const cues = Array.from(track?.cues ?? []) as VTTCue[];
    return { mode: track?.mode, cues: cues.map((cue) => ({ start: cue.startTime, end: cue.endTime, text: cue.text })), duration: element.duration };
  });
}

test.beforeAll(async ({ filesFolder }) => {
  const speech = path.join(filesFolder, "speech.wav");
  await promisify(execFile)("espeak-ng", ["-v", "en-us", "-s", "150", "-w", speech, SENTENCE]);
  video = path.join(filesFolder, "spoken.mp4");
  // ffmpeg: a small test pattern with the sentence after a second of silence.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=7", "-i", speech],
    ...["-filter_complex", "[1:a]adelay=1000:all=1,apad,aresample=44100[a]", "-map", "0:v", "-map", "[a]", "-t", "7"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", video],
  ]);
});

test("a spoken video gets a transcript and a captions track; a transcript line seeks the player", async ({ page }) => {
  test.setTimeout(300_000);
  await openJobAwaitingFile(page);
  await fileInput(page).setInputFiles(video);
  await expect(page.getByTestId("job-status")).toHaveText("Ready", { timeout: 150_000 });

  const captions = page.getByTestId("captions");
  await expect(captions).toHaveAttribute("data-status", "READY", { timeout: 120_000 });
  const transcript = captions.getByTestId("transcript");
  await expect(transcript).toContainText(/upload/i);
  await expect(transcript).toContainText(/friends/i);
  await expect(captions.getByTestId("captions-language")).toHaveText("en");

  const player = captions.getByTestId("captions-player");
  await expect(player.locator('track[kind="captions"][srclang="en"]')).toHaveCount(1);
  await expect
    .poll(() => player.evaluate((element: HTMLVideoElement) => [element.textTracks[0]?.mode, element.textTracks[0]?.cues?.length ?? 0]))
    .toEqual(["showing", expect.any(Number)]);
  expect(await player.evaluate((element: HTMLVideoElement) => element.textTracks[0]!.cues!.length)).toBeGreaterThan(0);

  // The transcript as text, named by the download scheme.
  const [text] = await Promise.all([page.waitForEvent("download"), captions.getByRole("button", { name: "Download transcript (text)" }).click()]);
  expect(text.suggestedFilename()).toMatch(/-transcript-1\.txt$/);
  expect(await readFile((await text.path())!, "utf8")).toMatch(/friends/i);

  const lines = transcript.getByRole("button");
  const last = lines.last();
  const startSec = Number(await last.getAttribute("data-start"));
  expect(startSec).toBeGreaterThan(0.5);
  await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.readyState)).toBeGreaterThan(0);
  await last.click();
  await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.currentTime)).toBeCloseTo(startSec, 1);

  // Every player of the job has its captions: the clip maker's (the whole video) ...
  const maker = page.getByTestId("clip-maker");
  await expect.poll(async () => (await captionsOf(maker.locator("video"))).cues.length).toBeGreaterThan(0);
  expect((await captionsOf(maker.locator("video"))).mode).toBe("showing");
  // ... and a highlight clip's: the cues of its part of the video, timed from its start.
  const highlight = page.locator("video[aria-label='Clip 1']");
  await expect.poll(async () => (await captionsOf(highlight)).cues.length, { timeout: 30_000 }).toBeGreaterThan(0);
  await expect.poll(async () => (await captionsOf(highlight)).duration).toBeGreaterThan(0);
  const highlightCaptions = await captionsOf(highlight);
  expect(highlightCaptions.mode).toBe("showing");
  for (const cue of highlightCaptions.cues) {
    expect(cue.start).toBeGreaterThanOrEqual(0);
    expect(cue.end).toBeLessThanOrEqual(highlightCaptions.duration + 0.05);
  }
  expect(highlightCaptions.cues.map((cue) => cue.text).join(" ")).toMatch(/\w{3,}/);

  // The clip form offers the captions burned in, and the clip says it has them.
  await maker.getByRole("checkbox", { name: "Burn in captions" }).check();
  await maker.getByRole("button", { name: "Make clip" }).click();
  const clip = page.getByTestId("clip-1");
  await expect(clip).toContainText("captions burned in");
  await expect(clip).toHaveAttribute("data-status", "READY", { timeout: 120_000 });
  // Its player offers the captions of its range without showing them over the burned-in words.
  const clipPlayer = clip.locator("video");
  await expect.poll(async () => (await captionsOf(clipPlayer)).cues.length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect((await captionsOf(clipPlayer)).mode).toBe("hidden");
});
