/**
 * Canceling a job while its file is uploading: the job ends FAILED with `canceled`, the stepper
 * marks the step it stopped at and says so in words, the upload in the tab stops, and nothing
 * more reaches storage. Also writes the screenshots of the FAILED (canceled) state.
 */
import { expect, test } from "./support/fixtures";
import { computePartPlan } from "../convex/lib/partPlan";
import { expectCleanConsole, watchConsole } from "./support/consoleWatch";
import { DESKTOP, expectEveryControlNamed, screenshotAtBothWidths } from "./support/jobPage";
import { proxyStats, setProxyMode } from "./support/proxyControl";
import { MiB, writeSeededFile } from "./support/testFiles";
import { fileInput, jobTimeline, openJobAwaitingFile, panelState, uploadPanel } from "./support/uploadPage";

test("canceling the job mid-upload stops the upload and shows the job FAILED (canceled) on the stepper", async ({ page, filesFolder }) => {
  test.setTimeout(120_000);
  const file = await writeSeededFile(filesFolder, "rough-cut.mp4", 12 * MiB, "cancel-job");
  await page.setViewportSize(DESKTOP);
  const consoleWatch = watchConsole(page);
  const jobId = await openJobAwaitingFile(page);

  await setProxyMode({ mode: "pass", throttleBytesPerSecond: 1 * MiB });
  await fileInput(page).setInputFiles(file.path);
  await expect.poll(async () => (await panelState(page)).partsConfirmed, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId("job-status")).toHaveText("Uploading");

  // Asked first: "Keep the job" takes focus, so a second Enter cancels nothing.
  await page.getByRole("button", { name: "Cancel job" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Keep the job" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Cancel job" })).toBeFocused();
  await expect(page.getByTestId("job-status")).toHaveText("Uploading");
  await page.getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByRole("group", { name: /parts already sent are deleted/ })).toBeVisible();
  await page.getByRole("button", { name: "Yes, cancel the job" }).click();

  // Canceled by the user: news, not an error.
  await expect(page.getByTestId("job-status")).toHaveText("Canceled");
  const failedStep = page.locator("ol.steps > li.step-failed");
  await expect(failedStep).toHaveCount(1);
  await expect(failedStep).toContainText("Uploading");
  await expect(failedStep).toContainText("Canceled");
  // Marked in the neutral tone, not the error colour.
  await expect(failedStep).toHaveClass(/\bstep-ended-by-user\b/);
  const notice = page.locator('[role="status"][data-failure-code="canceled"]');
  await expect(notice).toContainText("You canceled this job.");
  await expect(notice).toContainText("Start a new job whenever you are ready.");
  await expect(notice.getByRole("link", { name: "Start a new job with this link" })).toHaveAttribute(
    "href",
    `/?url=${encodeURIComponent("https://www.youtube.com/watch?v=dQw4w9WgXcQ")}`,
  );
  await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
  // The control that had focus went with the job's end: focus lands on why it ended.
  await expect(notice).toBeFocused();
  // The full timeline says it in words too, not as codes.
  await page.getByText(/^Full timeline/).click();
  const events = page.locator(".timeline-event");
  await expect(events.last()).toContainText("by you · You canceled this job");
  await expect(page.locator(".timeline-list")).toContainText("in 2 parts of 8.4 MB");
  await expect(page.locator(".timeline-list")).not.toContainText(/bytes|_/);

  // The tab's upload stopped with the job, and storage hears nothing more of it.
  await expect(uploadPanel(page)).toHaveAttribute("data-upload-status", "canceled");
  await expect.poll(async () => (await proxyStats()).inFlight).toBe(0);
  const putsWhenCanceled = (await proxyStats()).partPuts.length;
  await page.waitForTimeout(1_500);
  expect((await proxyStats()).partPuts.length).toBe(putsWhenCanceled);

  // The bar now counts the parts storage took, not the bytes that were on their way.
  const bar = page.getByRole("progressbar", { name: "Upload progress" });
  const stored = Number(await bar.getAttribute("data-bytes-stored"));
  // 12 MiB is two parts (8 + 4 MiB); at least one was stored, and not both.
  const { partSize } = computePartPlan(file.size);
  expect([partSize, file.size - partSize]).toContain(stored);
  await expect(uploadPanel(page).locator(".upload-figure-bytes dt")).toHaveText("Sent");
  await expect(bar).toHaveAttribute("aria-valuenow", String(Math.floor((100 * stored) / file.size)));

  const last = (await jobTimeline(page, jobId)).at(-1);
  expect(last).toMatchObject({ from: "UPLOADING", to: "FAILED", actor: "user" });

  await expectEveryControlNamed(page);
  await screenshotAtBothWidths(page, "failed-canceled");
  // A cancel is the user's choice: nothing about it is an error in the console.
  await expectCleanConsole(page, consoleWatch, "cancel");
});
