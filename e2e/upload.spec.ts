/**
 * The browser upload end to end: the real engine in Chromium, real presigned URLs, real S3
 * writes (s3rver), with the fault-injecting proxy between the browser and storage.
 */
import { utimes } from "node:fs/promises";
import { expect, test, type Page, type TestInfo } from "./support/fixtures";
import { proxyStats, putsPerPart, setProxyMode, storedParts } from "./support/proxyControl";
import { sourceKey, storedObjectDigest } from "./support/storedObject";
import { MiB, tempFolder, writeSeededFile, type TestFile } from "./support/testFiles";
import {
  fileInput,
  jobTimeline,
  openJobAwaitingFile,
  recordedSessionParts,
  panelState,
  recordedProgressValues,
  recordProgressValues,
  uploadPanel,
} from "./support/uploadPage";

/** The engine's default pool size (`src/lib/upload/options.ts`). */
const CONCURRENCY = 4;
const SCREENSHOTS = "e2e/screenshots";

async function expectStoredCopyOf(jobId: string, file: TestFile): Promise<void> {
  const stored = await storedObjectDigest(sourceKey(jobId));
  expect(stored.size).toBe(file.size);
  expect(stored.sha256).toBe(file.sha256);
}

async function expectJobReachedUploaded(page: Page, jobId: string): Promise<void> {
  await expect.poll(async () => (await jobTimeline(page, jobId)).map((event) => event.to)).toContain("UPLOADED");
}

async function waitForPartsConfirmed(page: Page, atLeast: number, timeout = 60_000): Promise<void> {
  await expect.poll(async () => (await panelState(page)).partsConfirmed, { timeout }).toBeGreaterThanOrEqual(atLeast);
}

/** Figures worth reading after a run: in the report's annotations and on the console. */
function report(testInfo: TestInfo, label: string, figures: Record<string, unknown>): void {
  testInfo.annotations.push({ type: label, description: JSON.stringify(figures) });
  console.log(`[upload ${label}] ${JSON.stringify(figures)}`);
}


test("a 200 MiB file uploads while the connection is cut at random, and storage holds it byte for byte", async ({
  page,
  filesFolder,
}, testInfo) => {
  test.setTimeout(300_000);
  const file = await writeSeededFile(filesFolder, "long-take.mp4", 200 * MiB, "A");
  await recordProgressValues(page);
  const jobId = await openJobAwaitingFile(page);

  await setProxyMode({ mode: "cut-random", probability: 0.3, seed: 5 });
  const pickedAt = Date.now();
  await fileInput(page).setInputFiles(file.path);
  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 240_000 });
  const doneAt = Date.now();
  const stats = await proxyStats();
  await setProxyMode({ mode: "pass" });

  await expect(page.getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "100");
  const state = await panelState(page);
  expect(state.partsConfirmed).toBe(25);
  // The parts' CRC32C ran in WebAssembly (the page may compile it; the JS fallback is for a CSP that forbids it).
  expect(state.hashingPath).toBe("wasm");

  const progress = await recordedProgressValues(page);
  expect(progress.length).toBeGreaterThan(10);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
  expect(progress.at(-1)).toBe(file.size);

  expect(stats.cuts).toBeGreaterThan(0);
  const cutKinds = stats.partPuts.reduce<Record<string, number>>((counts, put) => {
    counts[put.outcome] = (counts[put.outcome] ?? 0) + 1;
    return counts;
  }, {});
  expect(storedParts(stats.partPuts).size).toBe(25);

  await expectJobReachedUploaded(page, jobId);
  await expectStoredCopyOf(jobId, file);

  const firstPut = Math.min(...stats.partPuts.map((put) => put.startedAt));
  const lastPut = Math.max(...stats.partPuts.map((put) => put.endedAt));
  const mib = file.size / MiB;
  const summary = {
    partPuts: stats.partPuts.length,
    outcomes: cutKinds,
    cuts: stats.cuts,
    bytesForwardedMiB: +(stats.bytesForwarded / MiB).toFixed(1),
    transferMiBPerSecond: +(mib / ((lastPut - firstPut) / 1000)).toFixed(1),
    pickToDoneMiBPerSecond: +(mib / ((doneAt - pickedAt) / 1000)).toFixed(1),
    pickToDoneSeconds: +((doneAt - pickedAt) / 1000).toFixed(1),
  };
  report(testInfo, "200 MiB", summary);
});

test("after a reload half-way, the same file continues with only the parts storage lacks", async ({ page, filesFolder }, testInfo) => {
  test.setTimeout(180_000);
  const file = await writeSeededFile(filesFolder, "interview.mp4", 64 * MiB, "B");
  const jobId = await openJobAwaitingFile(page);

  // Slow enough that the reload lands while parts are in flight.
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 1.5 * MiB });
  await fileInput(page).setInputFiles(file.path);
  await waitForPartsConfirmed(page, Math.ceil(0.4 * 8));
  await expect.poll(async () => (await proxyStats()).partPuts.some((put) => put.endedAt === 0 && put.bytesReceived > 0)).toBe(true);
  await page.reload();
  // Read after the reload: the old page's requests are all in it, and the new page sends nothing yet.
  const before = await proxyStats();
  const reloadSeq = Math.max(...before.partPuts.map((put) => put.seq));
  await setProxyMode({ mode: "pass" });

  const prompt = page.getByTestId("resume-prompt");
  await expect(prompt).toContainText("Pick the same file again to continue");
  await expect(prompt).toContainText("interview.mp4");
  const recordedBefore = Number(await prompt.getAttribute("data-parts-uploaded"));
  expect(recordedBefore).toBeGreaterThanOrEqual(4);
  await expect(prompt).toContainText(`${recordedBefore} of 8 parts are already uploaded`);
  const recorded = new Set(await recordedSessionParts(page, jobId));
  expect(recorded.size).toBeGreaterThanOrEqual(recordedBefore);

  await fileInput(page).setInputFiles(file.path);
  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 60_000 });

  const after = (await proxyStats()).partPuts.filter((put) => put.seq > reloadSeq);
  const resent = [...putsPerPart(after).keys()];
  // Parts the server had recorded were not sent again…
  expect(resent.filter((partNumber) => recorded.has(partNumber))).toEqual([]);
  expect(resent.length).toBeLessThanOrEqual(8 - recorded.size);
  // …and of the parts storage had already stored, only those whose report the reload cut off were.
  const storedBefore = storedParts(before.partPuts);
  const storedButUnrecorded = resent.filter((partNumber) => storedBefore.has(partNumber));
  expect(storedButUnrecorded.length).toBeLessThanOrEqual(CONCURRENCY);

  await expectJobReachedUploaded(page, jobId);
  await expectStoredCopyOf(jobId, file);
  report(testInfo, "reload", {
    cutOffByReload: before.partPuts.filter((put) => put.outcome === "abandoned").map((put) => put.partNumber),
    recordedAtReload: [...recorded].sort((a, b) => a - b),
    storedAtReload: [...storedBefore].sort((a, b) => a - b),
    sentAfterReload: resent.sort((a, b) => a - b),
    storedButUnrecorded,
  });
});

test("leaving the job's page mid-upload stops this page's work, and coming back continues the upload", async ({ page, filesFolder }) => {
  test.setTimeout(180_000);
  const file = await writeSeededFile(filesFolder, "rehearsal.mp4", 40 * MiB, "H");
  const jobId = await openJobAwaitingFile(page);
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 1.5 * MiB });
  await fileInput(page).setInputFiles(file.path);
  await waitForPartsConfirmed(page, 1);

  // In-app navigation asks first; staying changes nothing.
  const myJobs = page.getByRole("banner").getByRole("link", { name: "My jobs" });
  const asked: string[] = [];
  page.once("dialog", (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await myJobs.click();
  await expect.poll(() => asked).toEqual([expect.stringContaining("Leave this page? Your upload stops.")]);
  await expect(uploadPanel(page)).toHaveAttribute("data-upload-status", "uploading");
  // So does closing the tab, with the browser's own prompt.
  const closing = new Promise<string>((resolve) =>
    page.once("dialog", (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await page.close({ runBeforeUnload: true });
  expect(await closing).toBe("beforeunload");
  await expect(uploadPanel(page)).toHaveAttribute("data-upload-status", "uploading");
  // Leaving: the job page unmounts, the page itself stays.
  page.once("dialog", (dialog) => void dialog.accept());
  await myJobs.click();
  await expect(page.getByTestId(`job-row-${jobId}`)).toBeVisible();
  const leftAt = Date.now();
  // Nothing of the upload keeps running in the background: no part is sent any more.
  await page.waitForTimeout(2_000);
  expect((await proxyStats()).partPuts.filter((put) => put.startedAt > leftAt)).toEqual([]);

  await setProxyMode({ mode: "pass" });
  await page.getByTestId(`job-row-${jobId}`).click();
  const prompt = page.getByTestId("resume-prompt");
  await expect(prompt).toContainText("Pick the same file again to continue");
  await fileInput(page).setInputFiles(file.path);
  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 60_000 });
  await expectJobReachedUploaded(page, jobId);
  await expectStoredCopyOf(jobId, file);
});

test("a part altered on the way is refused by storage (its signed CRC32C), and the engine re-reads and sends it again", async ({ page, filesFolder }, testInfo) => {
  const file = await writeSeededFile(filesFolder, "b-roll.mp4", 24 * MiB, "C");
  const jobId = await openJobAwaitingFile(page);

  // Parts 2 and 3 reach storage with a flipped byte; the embedded server checks each part's
  // x-amz-checksum-crc32c as R2 does and answers 400 BadDigest.
  await setProxyMode({ mode: "corrupt-next-part-put", partNumber: 2 });
  await setProxyMode({ mode: "corrupt-next-part-put", partNumber: 3 });
  await fileInput(page).setInputFiles(file.path);
  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 60_000 });

  const { partPuts, corruptions } = await proxyStats();
  expect(corruptions).toBe(2);
  const putsOf = (partNumber: number) => partPuts.filter((put) => put.partNumber === partNumber);
  for (const partNumber of [2, 3]) {
    const [altered, ...rest] = putsOf(partNumber);
    expect(altered).toMatchObject({ outcome: "corrupted", status: 400, errorCode: "BadDigest" });
    expect(altered!.checksumCrc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const good = rest.find((put) => put.outcome === "forwarded" && put.status === 200);
    expect(good?.checksumCrc32c).toBe(altered!.checksumCrc32c);
  }

  expect(putsOf(1)).toHaveLength(1);
  await expectJobReachedUploaded(page, jobId);
  // The stack's worker fails the job (these bytes are no video), which deletes its source; the
  // e2e storage keeps sources (`retainSources`), so the check is the same before or after.
  await expect(page.getByTestId("job-status")).toHaveText("Failed", { timeout: 60_000 });
  await expectStoredCopyOf(jobId, file);
  report(testInfo, "corruption", {
    corruptions,
    part2: putsOf(2).map((put) => `${put.outcome} ${put.status}`),
    part3: putsOf(3).map((put) => `${put.outcome} ${put.status}`),
  });
});

test("resuming with another file says which file is expected and how this one differs", async ({ page, filesFolder }) => {
  test.setTimeout(180_000);
  const original = await writeSeededFile(filesFolder, "holiday.mp4", 20 * MiB, "D");
  const other = await writeSeededFile(filesFolder, "other.mp4", 12 * MiB, "D-other");
  const twinFolder = await tempFolder();
  try {
    // Same name, size and date as the original, different bytes: only the fingerprint tells.
    const twin = await writeSeededFile(twinFolder.path, "holiday.mp4", 20 * MiB, "D-twin");
    // Whole seconds, so that no rounding of sub-millisecond times can tell the two apart.
    const sameDate = new Date("2026-01-02T03:04:05Z");
    await Promise.all([utimes(original.path, sameDate, sameDate), utimes(twin.path, sameDate, sameDate)]);
    const jobId = await openJobAwaitingFile(page);

    await setProxyMode({ mode: "pass", throttleBytesPerSecond: 1 * MiB });
    await fileInput(page).setInputFiles(original.path);
    await waitForPartsConfirmed(page, 1);
    await page.reload();
    await setProxyMode({ mode: "pass" });
    await expect(page.getByTestId("resume-prompt")).toContainText("holiday.mp4");

    await fileInput(page).setInputFiles(other.path);
    const mismatch = page.locator('[data-error-code="file_mismatch"]');
    await expect(mismatch).toContainText('it is named "other.mp4", not "holiday.mp4"');
    await expect(mismatch).toContainText(`it has ${other.size} bytes, not ${original.size}`);
    await expect(mismatch).toContainText('Select "holiday.mp4" to continue');
    await uploadPanel(page).screenshot({ path: `${SCREENSHOTS}/upload-file-mismatch-desktop.png` });

    await fileInput(page).setInputFiles(twin.path);
    await expect(mismatch).toContainText("same name, size and date");
    await expect(mismatch).toContainText("different contents");

    await fileInput(page).setInputFiles(original.path);
    await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 60_000 });
    await expectStoredCopyOf(jobId, original);
  } finally {
    await twinFolder.remove();
  }
});

test("an unfinished upload can be canceled from the resume prompt, without the file", async ({ page, filesFolder }) => {
  const file = await writeSeededFile(filesFolder, "draft.mp4", 20 * MiB, "G");
  await openJobAwaitingFile(page);
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 1 * MiB });
  await fileInput(page).setInputFiles(file.path);
  await waitForPartsConfirmed(page, 1);
  // The server's first answer to stopping is a failure: the live connection is routed through
  // the test, which answers that one call itself.
  let failNextStop = true;
  await page.routeWebSocket(/\/sync$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => {
      const request = JSON.parse(message.toString()) as { type?: string; udfPath?: string; requestId?: number };
      if (failNextStop && request.type === "Mutation" && request.udfPath?.endsWith("abortUpload")) {
        failNextStop = false;
        socket.send(JSON.stringify({ type: "MutationResponse", requestId: request.requestId, success: false, result: "Server error", logLines: [] }));
        return;
      }
      server.send(message);
    });
  });
  await page.reload();
  await expect(page.getByTestId("resume-prompt")).toContainText("1 of 3 parts is already uploaded");
  // …and how long it may wait: UPLOAD_ABANDON_HOURS, from the server.
  await expect(page.getByTestId("resume-prompt")).toContainText("An upload left for 24 hours without progress is cleared.");

  await page.getByRole("button", { name: "Cancel upload" }).click();
  await page.getByRole("button", { name: "Yes, stop the upload" }).click();
  // It failed: said so, and Cancel is back to try again (not stuck on "Stopping…").
  await expect(uploadPanel(page).getByRole("alert")).toContainText("The server could not be told to stop the upload");
  expect(failNextStop).toBe(false);
  await page.getByRole("button", { name: "Cancel upload" }).click();
  await page.getByRole("button", { name: "Yes, stop the upload" }).click();
  await expect(page.locator('[data-failure-code="upload_aborted"]')).toBeVisible();
  await expect(uploadPanel(page)).toHaveCount(0);
});

test("a file that is not a video is refused before anything is uploaded", async ({ page, filesFolder }) => {
  const notes = await writeSeededFile(filesFolder, "notes.txt", 1024, "E");
  const jobId = await openJobAwaitingFile(page);
  await fileInput(page).setInputFiles(notes.path);
  await expect(page.getByTestId("upload-refusal")).toHaveText(
    "“notes.txt” is not a video file (it is text/plain). Choose a video, for example an MP4, MOV or WebM file.",
  );
  await expect(uploadPanel(page)).toHaveAttribute("data-upload-status", "none");
  // Still waiting for a file: the step after the rights, and no upload started on the server.
  await expect(page.getByTestId("job-status")).toHaveText("Ready to upload");
  expect((await jobTimeline(page, jobId)).map((event) => event.to)).toEqual(["CREATED", "META_READY"]);
  expect((await proxyStats()).partPuts).toHaveLength(0);
});

test("pause holds the upload, resume continues it, cancel stops the job; the panel does not jump and fits 375 px", async ({
  page,
  filesFolder,
}) => {
  test.setTimeout(180_000);
  const file = await writeSeededFile(filesFolder, "keynote.mp4", 48 * MiB, "F");
  await page.setViewportSize({ width: 1280, height: 900 });
  await openJobAwaitingFile(page);
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 0.75 * MiB });
  await fileInput(page).setInputFiles(file.path);

  const panel = uploadPanel(page);
  const bar = page.getByRole("progressbar", { name: "Upload progress" });
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  await expect.poll(async () => Number(await bar.getAttribute("aria-valuenow")), { timeout: 30_000 }).toBeGreaterThan(2);
  await expect(panel.getByText(/\d+(\.\d)? (kB|MB)\/s/)).toBeVisible();
  await expect(panel.getByText(/\d+ (s|min) left/)).toBeVisible();

  // While the figures change, nothing in the panel moves.
  const layouts = new Set<string>();
  for (let i = 0; i < 6; i++) {
    layouts.add(JSON.stringify(await panelLayout(page)));
    await page.waitForTimeout(250);
  }
  expect(layouts.size).toBe(1);

  await panel.screenshot({ path: `${SCREENSHOTS}/upload-uploading-desktop.png` });
  await page.setViewportSize({ width: 375, height: 812 });
  await expect.poll(() => horizontalOverflow(page)).toBe(0);
  await page.screenshot({ path: `${SCREENSHOTS}/upload-uploading-375.png`, fullPage: true });

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(panel).toHaveAttribute("data-upload-status", "paused");
  await expect.poll(async () => (await proxyStats()).inFlight).toBe(0);
  const putsWhenPaused = (await proxyStats()).partPuts.length;
  const valueWhenPaused = await bar.getAttribute("aria-valuenow");
  await page.waitForTimeout(1_500);
  expect((await proxyStats()).partPuts.length).toBe(putsWhenPaused);
  await expect(bar).toHaveAttribute("aria-valuenow", valueWhenPaused!);
  await page.screenshot({ path: `${SCREENSHOTS}/upload-paused-375.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await panel.screenshot({ path: `${SCREENSHOTS}/upload-paused-desktop.png` });

  await page.getByRole("button", { name: "Resume" }).click();
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  await expect.poll(async () => (await proxyStats()).partPuts.length).toBeGreaterThan(putsWhenPaused);

  // Asked first; keeping the upload changes nothing.
  await page.getByRole("button", { name: "Cancel upload" }).click();
  await expect(panel.getByRole("group", { name: /^Stop this upload\?/ })).toBeVisible();
  await page.getByRole("button", { name: "Keep uploading" }).click();
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  await page.getByRole("button", { name: "Cancel upload" }).click();
  await page.getByRole("button", { name: "Yes, stop the upload" }).click();
  await expect(panel).toHaveAttribute("data-upload-status", "canceled");
  await expect(panel.locator('[data-error-code="canceled"]')).toContainText("Upload canceled");
  await expect(page.locator('[data-failure-code="upload_aborted"]')).toBeVisible();
  // The stepper says it in words: canceled, at the step the upload stopped, and why.
  await expect(page.getByTestId("job-status")).toHaveText("Canceled");
  await expect(page.locator("ol.steps > li.step-failed")).toContainText("Uploading");
  await expect(page.locator('[data-failure-code="upload_aborted"]')).toContainText("The upload was stopped before it finished.");
});

/** Positions and sizes of the panel's parts that must not move while progress updates. */
async function panelLayout(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const panel = document.querySelector("section.upload-panel")!;
    const box = (element: Element | null) => {
      const r = element?.getBoundingClientRect();
      return r ? [r.x, r.y, r.width, r.height].map(Math.round) : null;
    };
    return {
      panel: box(panel),
      bar: box(panel.querySelector('[role="progressbar"]')),
      figures: [...panel.querySelectorAll(".upload-figure")].map(box),
      buttons: [...panel.querySelectorAll("button")].map(box),
    };
  });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test("a keyboard user keeps focus in the panel as its controls come and go", async ({ page, filesFolder }) => {
  const file = await writeSeededFile(filesFolder, "interview.mp4", 24 * MiB, "K");
  await openJobAwaitingFile(page);
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 2 * MiB });
  const panel = uploadPanel(page);

  // The picker had focus; it goes away once the file is chosen.
  await fileInput(page).focus();
  await fileInput(page).setInputFiles(file.path);
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  await expect(page.getByRole("button", { name: "Pause" })).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(panel).toHaveAttribute("data-upload-status", "paused");
  await expect(page.getByRole("button", { name: "Resume" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");

  // Cancel asks first, with focus on the safe answer: a second Enter keeps the upload.
  await page.getByRole("button", { name: "Cancel upload" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Keep uploading" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Cancel upload" })).toBeFocused();
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  // Confirmed, every button goes: focus lands on what happened.
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Yes, stop the upload" }).focus();
  await page.keyboard.press("Enter");
  await expect(panel).toHaveAttribute("data-upload-status", "canceled");
  await expect(panel.locator('[data-error-code="canceled"]')).toBeFocused();
});
