/**
 * Clips on demand, as a creator does it (issue 20): on a READY job, play the uploaded video,
 * set the start and end at the playhead with the keyboard (I, O), choose 9:16 and see the crop
 * over the player, ask for the clip, watch it appear as Rendering… and become playable live
 * (no reload), play it, and download it byte for byte as stored under the video's name.
 */
import { expect, test } from "./support/fixtures";
import { expectDownloadMatchesStorage } from "./support/artifactDownloads";
import { expectSameDocument, markDocument } from "./support/jobPage";
import type { TestFile } from "./support/testFiles";
import { TEST_VIDEO, writeTestVideo } from "./support/testVideo";
import { fileInput, jobArtifacts, openJobAwaitingFile } from "./support/uploadPage";

let video: TestFile;
test.beforeAll(async ({ filesFolder }) => {
  video = await writeTestVideo(filesFolder);
});

test("pick a range, choose 9:16, watch it render, play it, download it", async ({ page }) => {
  test.setTimeout(240_000);
  // Every status the clip's card shows, in order, with when (the page's own clock).
  await page.addInitScript(() => {
    const seen: Array<{ status: string; at: number }> = [];
    (window as unknown as { __clipStatuses: typeof seen }).__clipStatuses = seen;
    new MutationObserver(() => {
      const status = document.querySelector('[data-testid="clip-1"]')?.getAttribute("data-status");
      if (status && status !== seen.at(-1)?.status) seen.push({ status, at: performance.now() });
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  });
  const jobId = await openJobAwaitingFile(page);
  await fileInput(page).setInputFiles(video.path);
  await expect(page.getByTestId("job-status")).toHaveText("Ready", { timeout: 150_000 });
  const mark = await markDocument(page);

  const maker = page.getByTestId("clip-maker");
  const player = maker.getByLabel("Your uploaded video");
  await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.readyState)).toBeGreaterThan(0);
  const seekTo = async (sec: number) => {
    await player.evaluate((element: HTMLVideoElement, to: number) => (element.currentTime = to), sec);
    await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.currentTime)).toBeCloseTo(sec, 2);
  };
  await seekTo(1.0);
  await player.focus();
  await page.keyboard.press("i");
  await seekTo(3.5);
  await page.keyboard.press("o");
  await expect(maker.getByLabel("In (seconds)")).toHaveValue("1");
  await expect(maker.getByLabel("Out (seconds)")).toHaveValue("3.5");

  await maker.getByRole("radio", { name: "Square 1:1" }).check();
  await maker.getByRole("radio", { name: "Vertical 9:16" }).check();
  // The crop preview is the centre 9:16 of the 16:9 picture.
  const crop = maker.getByTestId("crop-preview");
  await expect(crop).toHaveAttribute("data-aspect", "9:16");
  const [cropBox, frameBox] = await Promise.all([crop.boundingBox(), player.boundingBox()]);
  expect(cropBox!.width / cropBox!.height).toBeCloseTo(9 / 16, 1);
  expect(cropBox!.height).toBeCloseTo(frameBox!.height, 0);
  expect(cropBox!.x + cropBox!.width / 2).toBeCloseTo(frameBox!.x + frameBox!.width / 2, 0);

  const requestedAt = await page.evaluate(() => performance.now());
  await maker.getByRole("button", { name: "Make clip" }).click();
  const card = page.getByTestId("clip-1");
  await expect(card).toHaveAttribute("data-status", "READY", { timeout: 60_000 });
  const statuses = await page.evaluate(() => (window as unknown as { __clipStatuses: Array<{ status: string; at: number }> }).__clipStatuses);
  const rendering = statuses.find((entry) => entry.status === "RENDERING");
  expect(statuses.map((entry) => entry.status)).toContain("RENDERING");
  const renderingAfterMs = rendering!.at - requestedAt;
  console.log(`clip statuses: ${statuses.map((entry) => `${entry.status} at +${Math.round(entry.at - requestedAt)} ms`).join(", ")}`);
  expect(renderingAfterMs).toBeLessThan(2_000);
  await expectSameDocument(page, mark);

  // It plays.
  const clipPlayer = card.getByLabel("Your clip 1");
  await expect.poll(() => clipPlayer.evaluate((element: HTMLVideoElement) => element.readyState)).toBeGreaterThan(0);
  const size = await clipPlayer.evaluate((element: HTMLVideoElement) => ({ width: element.videoWidth, height: element.videoHeight }));
  expect(size.width / size.height).toBeCloseTo(9 / 16, 1);
  expect(size.height).toBe(TEST_VIDEO.height);
  await clipPlayer.evaluate((element: HTMLVideoElement) => {
    element.muted = true;
    return element.play();
  });
  await expect.poll(() => clipPlayer.evaluate((element: HTMLVideoElement) => element.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.5);

  // It downloads under the video's name, as stored.
  const clip = (await jobArtifacts(page, jobId)).find((artifact) => artifact.kind === "custom_clip")!;
  expect(clip).toMatchObject({ index: 0, durationSec: 2.5, startSec: 1 });
  await expectDownloadMatchesStorage(page, jobId, clip, "reeldrop-end-to-end-test-video");
  await page.screenshot({ path: "e2e/screenshots/clip-ready-desktop.png", fullPage: true });
});
