/**
 * Two guests in two browser contexts: each one's "My jobs" lists only their own jobs, and the
 * other's job address reads exactly like a job that does not exist — never the job. Also
 * writes the screenshots of the My jobs list.
 */
import { APP_URL, expect, test, type Browser, type Page } from "./support/fixtures";
import { expectCleanConsole, watchConsole, type ConsoleWatch } from "./support/consoleWatch";
import { KNOWN_VIDEOS, serveYouTubeThumbnails } from "./support/oembedStandIn";
import { DESKTOP, expectEveryControlNamed, jobIdOf, screenshotAtBothWidths, signInAsGuest } from "./support/jobPage";

const ALICE_VIDEO = "dQw4w9WgXcQ";
const BOB_VIDEO = "aqz-KE-bpKQ";

/** A fresh browser context (its own storage, so its own guest) with one page, its console watched. */
async function newGuestPage(browser: Browser): Promise<{ page: Page; consoleWatch: ConsoleWatch }> {
  const context = await browser.newContext({ baseURL: APP_URL, viewport: DESKTOP });
  await serveYouTubeThumbnails(context);
  const page = await context.newPage();
  const consoleWatch = watchConsole(page);
  await page.goto("/");
  await signInAsGuest(page);
  return { page, consoleWatch };
}

/** Creates a job from the video's link and waits for its metadata; returns the job id. */
async function startJob(page: Page, videoId: string): Promise<string> {
  await page.goto("/");
  await page.getByLabel("Link to your YouTube video").fill(`https://youtu.be/${videoId}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  return jobIdOf(page);
}

const titleOf = (videoId: string) => KNOWN_VIDEOS[videoId]!.title;

async function expectMyJobsListsOnly(page: Page, own: readonly string[], others: readonly string[]): Promise<void> {
  await page.goto("/jobs");
  const list = page.getByRole("region", { name: "My jobs" });
  for (const jobId of own) await expect(list.getByTestId(`job-row-${jobId}`)).toBeVisible();
  await expect(list.getByRole("listitem")).toHaveCount(own.length);
  for (const jobId of others) await expect(page.getByTestId(`job-row-${jobId}`)).toHaveCount(0);
}

/** What the page says for a job address, once it has decided. */
async function jobPageText(page: Page, jobId: string): Promise<string> {
  await page.goto(`/jobs/${jobId}`);
  await expect(page.getByRole("heading", { name: "Job not found" })).toBeVisible();
  return page.getByRole("main").innerText();
}

test("each guest sees only their own jobs, and another's job reads as not found", async ({ browser }) => {
  const { page: alice, consoleWatch: aliceConsole } = await newGuestPage(browser);
  const { page: bob, consoleWatch: bobConsole } = await newGuestPage(browser);
  try {
    const aliceJobs = [await startJob(alice, ALICE_VIDEO), await startJob(alice, ALICE_VIDEO)];
    // One of Alice's jobs canceled, so her list shows a finished job too.
    await alice.getByRole("button", { name: "Cancel job" }).click();
    await alice.getByRole("button", { name: "Yes, cancel the job" }).click();
    await expect(alice.getByTestId("job-status")).toHaveText("Canceled");
    const bobJobs = [await startJob(bob, BOB_VIDEO)];

    await expectMyJobsListsOnly(alice, aliceJobs, bobJobs);
    await expect(alice.getByText(titleOf(BOB_VIDEO))).toHaveCount(0);
    await expectMyJobsListsOnly(bob, bobJobs, aliceJobs);
    await expect(bob.getByText(titleOf(ALICE_VIDEO))).toHaveCount(0);

    // Alice's list, live statuses and all: the My jobs screenshots.
    await alice.goto("/jobs");
    await expect(alice.getByTestId(`job-row-${aliceJobs[1]}`)).toContainText("Canceled");
    await expect(alice.getByTestId(`job-row-${aliceJobs[0]}`)).toContainText("Video found");
    await expectEveryControlNamed(alice);
    await screenshotAtBothWidths(alice, "my-jobs");

    // The other guest's job and a job that never existed say the same, word for word.
    const unknown = await jobPageText(bob, "not-a-real-id");
    expect(await jobPageText(bob, aliceJobs[0]!)).toBe(unknown);
    await expect(bob.getByText(titleOf(ALICE_VIDEO))).toHaveCount(0);
    await expect(bob.getByTestId("job-status")).toHaveCount(0);
    expect(await jobPageText(alice, bobJobs[0]!)).toBe(unknown);
    await expect(alice.getByText(titleOf(BOB_VIDEO))).toHaveCount(0);
    await expect(alice.getByRole("button", { name: "Cancel job" })).toHaveCount(0);

    // Reading as not found is no error either, for the browser or the app.
    await expectCleanConsole(bob, bobConsole, "another's job");
    await expectCleanConsole(alice, aliceConsole, "another's job");

    // Still there for its owner.
    await alice.goto(`/jobs/${aliceJobs[0]}`);
    await expect(alice.getByRole("heading", { name: titleOf(ALICE_VIDEO) })).toBeVisible();
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
});
