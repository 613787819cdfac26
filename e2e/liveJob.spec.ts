/**
 * The live product, end to end: a guest pastes a link, confirms the rights, uploads an
 * FFmpeg-generated video, and the local worker processes it. Proves that the stepper walks
 * through every state to READY without a reload, in the uploading tab and in a second tab on
 * the same job; that every artifact kind appears in the gallery and downloads byte for byte
 * as stored; that the controls are named and the page fits 375 px; and writes the screenshots
 * of each state. Also: a file that only claims to be a video fails in processing, explained.
 */
import { expect, test, type Page } from "./support/fixtures";
import { JOB_ARTIFACT_KINDS } from "../convex/lib/artifactKinds";
import { HAPPY_PATH, type JobStatus } from "../convex/lib/jobStatus";
import { artifactTestId, type ArtifactView } from "../src/lib/artifacts/artifactGroups";
import { expectDownloadMatchesStorage } from "./support/artifactDownloads";
import {
  announcedStatuses,
  DESKTOP,
  expectEveryControlNamed,
  expectInHappyPathOrder,
  expectNoHorizontalScroll,
  expectSameDocument,
  jobIdOf,
  markDocument,
  NARROW,
  promptedParts,
  recordAnnouncedStatuses,
  recordPromptedParts,
  screenshotAtBothWidths,
  SCREENSHOTS,
  signInAsGuest,
} from "./support/jobPage";
import { setProxyMode } from "./support/proxyControl";
import { sourceKey, storedObjectDigest } from "./support/storedObject";
import { MiB, type TestFile } from "./support/testFiles";
import { TEST_VIDEO, writeTestVideo } from "./support/testVideo";
import {
  fileInput,
  jobArtifacts,
  jobTimeline,
  openJobAwaitingFile,
  recordedProgressValues,
  recordProgressValues,
  uploadPanel,
} from "./support/uploadPage";

let video: TestFile;
test.beforeAll(async ({ filesFolder }) => {
  video = await writeTestVideo(filesFolder);
});

const statusBadge = (page: Page) => page.getByTestId("job-status");

test("a job walks every state to READY live, in two tabs, and every artifact downloads as stored", async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize(DESKTOP);
  await recordAnnouncedStatuses(page);
  await recordProgressValues(page);

  await test.step("home: the new-job form", async () => {
    await page.goto("/");
    await signInAsGuest(page);
    await expect(page.getByLabel("Link to your YouTube video")).toBeVisible();
    await expectEveryControlNamed(page);
    await screenshotAtBothWidths(page, "home");
  });

  let mark = "";
  await test.step("META_READY: title, thumbnail and the rights box", async () => {
    await page.getByLabel("Link to your YouTube video").fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
    mark = await markDocument(page);
    await expect(statusBadge(page)).toHaveText("Video found");
    await expect(page.getByRole("heading", { name: "Reeldrop end-to-end test video" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Your rights to this video" })).toBeVisible();
    await expectEveryControlNamed(page);
    await screenshotAtBothWidths(page, "meta-ready");
    await page.getByRole("checkbox", { name: /I own this video/ }).check();
    await expect(fileInput(page)).toBeEnabled();
  });
  const jobId = jobIdOf(page);

  // A second tab on the same job, at phone width, following along.
  const watcher = await context.newPage();
  await watcher.setViewportSize(NARROW);
  await recordAnnouncedStatuses(watcher);
  await recordPromptedParts(watcher);
  await watcher.goto(`/jobs/${jobId}`);
  // The rights are confirmed: the job waits for its file.
  await expect(statusBadge(watcher)).toHaveText("Ready to upload");
  const watcherMark = await markDocument(watcher);

  await test.step("UPLOADING: progress in this tab, parts and status in the other", async () => {
    // Slow enough to look at: each part PUT at 0.75 MiB/s.
    await setProxyMode({ mode: "pass", throttleBytesPerSecond: 0.75 * MiB });
    await fileInput(page).setInputFiles(video.path);
    const bar = page.getByRole("progressbar", { name: "Upload progress" });
    await expect.poll(async () => Number(await bar.getAttribute("aria-valuenow")), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(statusBadge(page)).toHaveText("Uploading");
    await expect(statusBadge(watcher)).toHaveText("Uploading");
    // The other tab does not invite a second upload of the same parts: it sees them arrive.
    const watcherPrompt = watcher.getByTestId("resume-prompt");
    await expect(watcherPrompt).toHaveAttribute("data-uploading-elsewhere", "true", { timeout: 30_000 });
    await expect(watcherPrompt).toContainText("Another tab or device is uploading this file");
    await expectEveryControlNamed(page);
    await screenshotAtBothWidths(page, "uploading");
    await watcher.screenshot({ path: `${SCREENSHOTS}/uploading-other-tab-375.png`, fullPage: true });
    await setProxyMode({ mode: "pass" });
    await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 60_000 });
  });

  await test.step("PROCESSING: the worker's stage and percentage, in both tabs", async () => {
    const percent = (tab: Page) => tab.getByRole("region", { name: "Processing" }).locator(".processing-pct");
    await expect(percent(page)).toHaveText(/^\d+%$/, { timeout: 60_000 });
    await expect(page.getByRole("progressbar", { name: /^Processing: \S/ })).toBeVisible();
    // Both at once: a short video does not stay in PROCESSING for long.
    await Promise.all([
      page.screenshot({ path: `${SCREENSHOTS}/processing-desktop.png`, fullPage: true }),
      watcher.screenshot({ path: `${SCREENSHOTS}/processing-375.png`, fullPage: true }),
    ]);
  });

  await test.step("READY: every artifact kind in the gallery", async () => {
    await expect(statusBadge(page)).toHaveText("Ready", { timeout: 120_000 });
    await expect(statusBadge(watcher)).toHaveText("Ready");
    // Where it stands, in the tab's title too, and the way to the results.
    await expect(watcher).toHaveTitle("Ready · Reeldrop end-to-end test video · Reeldrop");
    await expect(page.getByTestId("ready-notice").getByRole("link", { name: "Go to your media" })).toHaveAttribute(
      "href",
      "#gallery-heading",
    );
    // The rights stay on record, read-only, with when they were confirmed.
    const rights = page.getByRole("region", { name: "Your rights to this video" });
    await expect(rights.getByRole("checkbox")).toBeChecked();
    await expect(rights.getByRole("checkbox")).toBeDisabled();
    await expect(rights.getByTestId("rights-record")).toHaveText(/^Confirmed at \d{1,2}:\d{2}/);
    // What processing made (the local worker may have added the captions task's by now).
    const artifacts = (await jobArtifacts(page, jobId)).filter((artifact) => JOB_ARTIFACT_KINDS.includes(artifact.kind));
    expect(new Set(artifacts.map((artifact) => artifact.kind))).toEqual(new Set(JOB_ARTIFACT_KINDS));
    for (const tab of [page, watcher]) {
      for (const artifact of artifacts) await expectShownInGallery(tab, artifact);
      await expect(tab.getByRole("slider", { name: "Storyboard preview of the whole video" })).not.toHaveAttribute(
        "aria-valuetext",
        "Loading the storyboard",
      );
    }
    // No player looks empty before it plays: every video has a picture, the audio its length.
    for (const player of await page.locator("video").all()) await expect(player).toHaveAttribute("poster", /^http/);
    const audio = page.getByRole("region", { name: "Audio track" }).locator("audio");
    await expect.poll(() => audio.evaluate((element: HTMLAudioElement) => element.duration)).toBeCloseTo(TEST_VIDEO.durationSec, 0);
    expect(await audio.evaluate((element: HTMLAudioElement) => element.paused && element.currentTime === 0)).toBe(true);
    // No two players or download buttons share a name.
    for (const selector of ["video", "audio", "button.button-download"]) {
      const names = await page.locator(selector).evaluateAll((elements) =>
        elements.map((element) => element.getAttribute("aria-label") ?? element.textContent),
      );
      expect(new Set(names).size, selector).toBe(names.length);
    }

    // The looping preview can be paused (WCAG 2.2.2): paused, it shows the poster.
    const preview = page.getByTestId(artifactTestId({ kind: "preview", index: 0 }));
    const posterSrc = await page.getByTestId(artifactTestId({ kind: "poster", index: 0 })).locator("img").getAttribute("src");
    await preview.getByRole("button", { name: "Pause preview" }).click();
    await expect(preview.getByRole("img", { name: "Animated preview (paused)" })).toHaveAttribute("src", posterSrc!);
    await preview.getByRole("button", { name: "Play preview" }).click();
    await expect(preview.locator("img")).not.toHaveAttribute("src", posterSrc!);

    // The storyboard reads as a preview of the whole video: a filmstrip of it under the poster,
    // with a one-line caption, and no clip player (the clips are their own section).
    const storyboard = page.getByRole("region", { name: "Storyboard" });
    const scrubber = storyboard.getByRole("slider", { name: "Storyboard preview of the whole video" });
    await expect(scrubber).toHaveAccessibleDescription(/^Hover over or drag along the filmstrip to see the video at any moment/);
    await expect(storyboard.locator("video")).toHaveCount(0);
    const filmstrip = storyboard.locator(".storyboard-filmstrip-frame");
    await expect(filmstrip).toHaveCount(8);
    for (const frame of await filmstrip.all()) await expect(frame).toHaveCSS("background-image", /^url\("http/);
    // The tile shows the moment under the pointer: three quarters along is 0:04 of 0:06.
    await scrubber.scrollIntoViewIfNeeded();
    const track = (await scrubber.boundingBox())!;
    await page.mouse.move(track.x + 0.75 * track.width, track.y + track.height / 2);
    await expect(page.locator(".storyboard-time")).toHaveText(`0:0${Math.floor(0.75 * TEST_VIDEO.durationSec)}`);
    await expect(scrubber).toHaveAttribute("aria-valuetext", `0:0${Math.floor(0.75 * TEST_VIDEO.durationSec)} of 0:0${TEST_VIDEO.durationSec}`);
    await screenshotAtBothWidths(page, "ready-storyboard-scrubbing");

    // The storyboard's tile shows while the pointer is on the strip or the keyboard works it,
    // and does not stay over the frame after a click once the pointer has gone.
    const overlay = page.locator(".storyboard-overlay");
    await scrubber.click();
    await expect(overlay).toHaveCount(1);
    await page.mouse.move(0, 0);
    await expect(overlay).toHaveCount(0);
    await expect(scrubber).toBeFocused();
    await page.keyboard.press("ArrowRight");
    await expect(overlay).toHaveCount(1);
    await page.keyboard.press("Escape");
    await expect(overlay).toHaveCount(0);

    // At phone width a clip's player takes the whole row: in two columns its controls had no room.
    const clipBox = await watcher.getByTestId(artifactTestId({ kind: "clip", index: 0 })).boundingBox();
    const galleryBox = await watcher.getByRole("region", { name: "Your media" }).boundingBox();
    expect(clipBox!.width).toBeGreaterThan(0.8 * galleryBox!.width);
    await expectEveryControlNamed(page);
    await page.screenshot({ path: `${SCREENSHOTS}/ready-desktop.png`, fullPage: true });
    await expectNoHorizontalScroll(watcher);
    await watcher.screenshot({ path: `${SCREENSHOTS}/ready-375.png`, fullPage: true });
  });

  await test.step("the stepper went through every state live, and neither tab reloaded", async () => {
    const timeline = await jobTimeline(page, jobId);
    expect(timeline.map((event) => event.to)).toEqual([...HAPPY_PATH]);
    const steps = page.locator("ol.steps > li");
    await expect(steps).toHaveCount(HAPPY_PATH.length);
    for (const step of await steps.all()) {
      await expect(step).toHaveClass(/\bstep-done\b/);
      await expect(step.locator("time")).toHaveCount(1);
    }

    // The live region announced each change as it happened, in order.
    await expect(page.locator('[aria-live="polite"]').filter({ has: statusBadge(page) })).toHaveCount(1);
    const uploaderSaw = await announcedStatuses(page);
    const watcherSaw = await announcedStatuses(watcher);
    const promptParts = await promptedParts(watcher);
    const progress = await recordedProgressValues(page);
    testInfo.annotations.push({ type: "announced", description: JSON.stringify({ uploaderSaw, watcherSaw, promptParts }) });
    console.log(`[live job] uploader saw ${uploaderSaw.join(" → ")}; watcher saw ${watcherSaw.join(" → ")}; parts ${promptParts}`);
    // The second tab opened after the rights were confirmed: it never showed the step before.
    expect(watcherSaw[0]).toBe("UPLOAD_READY");
    const mustSee: JobStatus[] = ["UPLOAD_READY", "UPLOADING", "PROCESSING", "READY"];
    for (const seen of [uploaderSaw, watcherSaw]) {
      expectInHappyPathOrder(seen, HAPPY_PATH);
      expect(seen).toEqual(expect.arrayContaining(mustSee));
    }
    // The watching tab saw the upload advance part by part, without sending anything.
    for (let i = 1; i < promptParts.length; i++) expect(promptParts[i]!).toBeGreaterThan(promptParts[i - 1]!);
    expect(promptParts.length).toBeGreaterThanOrEqual(2);
    // The uploading tab's byte count only went up, to the whole file.
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.at(-1)).toBe(video.size);

    await expectSameDocument(page, mark);
    await expectSameDocument(watcher, watcherMark);
  });

  await test.step("the source is stored as uploaded, and each download is the stored artifact", async () => {
    expect(await storedObjectDigest(sourceKey(jobId))).toEqual({ sha256: video.sha256, size: video.size });
    // The job's own artifacts; captions (a task after READY) have their own spec, captions.spec.ts.
    for (const artifact of (await jobArtifacts(page, jobId)).filter((a) => JOB_ARTIFACT_KINDS.includes(a.kind))) {
      await expectDownloadMatchesStorage(page, jobId, artifact, "reeldrop-end-to-end-test-video");
    }
    await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
    await expect(uploadPanel(page)).toHaveAttribute("data-upload-status", "done");
    await expectSameDocument(page, mark);
  });
});

/** The artifact's card is on screen and its picture or player has loaded what it shows. */
async function expectShownInGallery(page: Page, artifact: ArtifactView): Promise<void> {
  const label = `${artifact.kind} ${artifact.index}`;
  if (artifact.kind === "clip_poster") {
    // Not a card of its own: the picture its clip's player shows before it plays.
    const clipCard = page.getByTestId(artifactTestId({ kind: "clip", index: artifact.index }));
    await expect(clipCard.getByRole("button", { name: `Download poster of clip ${artifact.index + 1}` })).toBeVisible();
    const poster = await clipCard.locator("video").getAttribute("poster");
    expect(poster, label).toMatch(/^http/);
    const posterWidth = await page.evaluate(async (src) => {
      const image = new Image();
      image.src = src;
      await image.decode();
      return image.naturalWidth;
    }, poster!);
    expect(posterWidth, label).toBe(artifact.width);
    return;
  }
  const card = page.getByTestId(artifactTestId(artifact));
  await card.scrollIntoViewIfNeeded();
  await expect(card).toBeVisible();
  if (artifact.kind === "clip") {
    const player = card.locator("video");
    await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.readyState), { message: label }).toBeGreaterThan(0);
  } else if (artifact.kind === "audio") {
    await expect(card.locator("audio"), label).toHaveAttribute("src", /^http/);
  } else if (artifact.kind !== "storyboard_vtt") {
    const image = card.locator("img");
    await expect.poll(() => image.evaluate((element: HTMLImageElement) => element.naturalWidth), { message: label }).toBeGreaterThan(0);
  }
}

test("a file that only claims to be a video is uploaded, then fails in processing with not_a_video, explained on the page", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  const jobId = await openJobAwaitingFile(page);
  // The browser only sees the name and type; the worker's probe sees the bytes.
  await fileInput(page).setInputFiles({
    name: "holiday.mp4",
    mimeType: "video/mp4",
    buffer: Buffer.from("These are my holiday notes, not a video.\n".repeat(100)),
  });
  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 30_000 });
  await expect(statusBadge(page)).toHaveText("Failed", { timeout: 60_000 });
  const notice = page.locator('[data-failure-code="not_a_video"]');
  await expect(notice).toContainText("We could not read this file as a video.");
  await expect(notice).toContainText("Upload a different file: a video such as MP4, MOV or WebM.");
  await expect(notice.getByRole("link", { name: "Start again with this link" })).toBeVisible();
  // The happy path up to PROCESSING, then FAILED.
  expect((await jobTimeline(page, jobId)).map((event) => event.to)).toEqual([
    ...HAPPY_PATH.slice(0, HAPPY_PATH.indexOf("PROCESSING") + 1),
    "FAILED",
  ]);
  expect(await jobArtifacts(page, jobId)).toEqual([]);
});
