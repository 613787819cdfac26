/**
 * What a new user meets between the link and the upload (issue 19): the stepper agrees with the
 * page from the moment the rights are confirmed, a video YouTube does not have leads with what
 * happened and what to do, and a guest is told where their jobs live and how to keep a job's
 * link — at 1280 and 375 px.
 */
import { expect, test, type Page } from "./support/fixtures";
import { DESKTOP, NARROW, screenshotAtBothWidths, signInAsGuest } from "./support/jobPage";
import { fileInput } from "./support/uploadPage";

/** Not one of the stand-in's known videos: it answers 404, as YouTube does for a deleted video. */
const MISSING_VIDEO = "zzzzzzzzzzz";

/** Signs in, starts a job from the link and waits for the page to settle on `status`. */
async function startJob(page: Page, link: string, status: string): Promise<void> {
  await page.goto("/");
  await signInAsGuest(page);
  await page.getByLabel("Link to your YouTube video").fill(link);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByTestId("job-status")).toHaveText(status);
}

const statusCard = (page: Page) => page.getByRole("region", { name: "Status" });
const currentStep = (page: Page) => statusCard(page).locator('li[aria-current="step"]');

for (const viewport of [DESKTOP, NARROW]) {
  test(`ticking the rights box moves the stepper to the step the user is on (${viewport.width} px)`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await startJob(page, "https://youtu.be/dQw4w9WgXcQ", "Video found");
    await expect(currentStep(page)).toHaveCount(1);
    await expect(currentStep(page)).toContainText("Video found");

    await page.getByRole("checkbox", { name: /I own this video/ }).check();
    // The panel thanks the user and offers the picker; the stepper says the same, at once.
    await expect(page.getByRole("status").filter({ hasText: "you can upload your copy of the video next" })).toBeVisible();
    await expect(fileInput(page)).toBeEnabled();
    await expect(page.getByTestId("job-status")).toHaveText("Ready to upload");
    await expect(currentStep(page)).toContainText("Ready to upload");
    await expect(currentStep(page).locator("time")).toHaveCount(1);
    await expect(statusCard(page).getByRole("listitem").filter({ hasText: "Video found" })).toContainText("(done)");
    await expect(page).toHaveTitle(/^Ready to upload · /);
    if (viewport === DESKTOP) await screenshotAtBothWidths(page, "rights-confirmed");

    // It is the job's state, not the tab's: after a reload, and in My jobs.
    await page.reload();
    await expect(page.getByTestId("job-status")).toHaveText("Ready to upload");
    await page.getByRole("link", { name: "My jobs" }).first().click();
    await expect(page.getByRole("region", { name: "My jobs" }).getByRole("listitem").first()).toContainText("Ready to upload");
  });
}

for (const viewport of [DESKTOP, NARROW]) {
  test(`a link to a video YouTube does not have leads with what happened and what to do (${viewport.width} px)`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const link = `https://www.youtube.com/watch?v=${MISSING_VIDEO}`;
    await startJob(page, link, "Failed");

    // What happened is the page's heading, what to do follows it; no page about itself.
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("YouTube has no video at this link");
    await expect(page.getByText(/Check that the link opens your video on YouTube/)).toBeVisible();
    await expect(page.getByText("Video details unavailable")).toHaveCount(0);
    await expect(page).toHaveTitle("Video not found · Reeldrop");
    // Next.js streams the route's own <title> into the head when it likes; one that lands first
    // in the head must not take the tab's title back (CI saw "Reeldrop" here).
    await page.evaluate(() => document.head.prepend(Object.assign(document.createElement("title"), { textContent: "Reeldrop" })));
    await expect(page).toHaveTitle("Video not found · Reeldrop");
    // The steps it never took are not drawn with a FAILED tag; the timeline keeps the details.
    await expect(statusCard(page).getByRole("listitem")).toHaveCount(0);
    await statusCard(page).getByText(/^Full timeline/).click();
    await expect(statusCard(page).locator(".timeline-event").last()).toContainText("Failed");
    await screenshotAtBothWidths(page, "failed-link");

    // The way on: the form again, with the link to correct.
    await page.getByRole("link", { name: "Fix the link and start again" }).click();
    await expect(page.getByLabel("Link to your YouTube video")).toHaveValue(link);
  });
}

for (const viewport of [DESKTOP, NARROW]) {
  test(`a guest is told their jobs belong to this browser, and can keep a job's link (${viewport.width} px)`, async ({
    page,
    context,
    browser,
  }) => {
    await page.setViewportSize(viewport);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await startJob(page, "https://youtu.be/dQw4w9WgXcQ", "Video found");
    await page.getByRole("checkbox", { name: /I own this video/ }).check();

    // Before the upload: where the job lives, and its link to keep.
    const panel = page.getByRole("region", { name: "Upload your copy of the video" });
    await expect(panel).toContainText("your jobs belong to this browser");
    await panel.getByRole("button", { name: "Copy job link" }).click();
    await expect(panel.getByRole("status").filter({ hasText: "Link copied" })).toHaveText(
      "Link copied. It opens this job in this browser.",
    );
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(page.url());
    if (viewport === DESKTOP) await screenshotAtBothWidths(page, "guest-job-link");

    // The link opens the job in this browser (a new tab), and in no other.
    const again = await context.newPage();
    await again.goto(copied);
    await expect(again.getByRole("heading", { name: "Reeldrop end-to-end test video" })).toBeVisible();
    const elsewhere = await browser.newContext();
    try {
      const stranger = await elsewhere.newPage();
      await stranger.goto(copied);
      await signInAsGuest(stranger);
      await expect(stranger.getByRole("heading", { name: "Job not found" })).toBeVisible();
    } finally {
      await elsewhere.close();
    }

    // My jobs says it too.
    await page.getByRole("link", { name: "My jobs" }).first().click();
    await expect(page.getByRole("region", { name: "My jobs" })).toContainText("your jobs belong to this browser");
  });
}
