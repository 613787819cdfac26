import { expect, test, type Locator, type Page } from "./support/fixtures";
import { expectSameDocument, markDocument } from "./support/jobPage";
import { HELD_VIDEO, holdHeldVideo, KNOWN_VIDEOS, PRIVATE_VIDEO, releaseHeldVideo } from "./support/oembedStandIn";

test("a guest submits a YouTube link and sees the job reach META_READY without a reload", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();

  await page.getByLabel("Link to your YouTube video").fill("  https://youtu.be/dQw4w9WgXcQ?t=42 ");
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByRole("heading", { name: "Reeldrop end-to-end test video" })).toBeVisible();
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  await expect(page.getByText("Reeldrop QA")).toBeVisible();
  // Client-side routing to the job page is one navigation; the status arrived by subscription.
  expect(navigations).toBeLessThanOrEqual(1);

  const rights = page.getByRole("checkbox");
  await rights.check();
  await expect(page.getByText("you can upload your copy of the video next")).toBeVisible();
  await expect(rights).toBeDisabled();
});

test("a job waits in CREATED while YouTube is slow, then shows the video's title live", async ({ page }) => {
  await holdHeldVideo();
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.getByLabel("Link to your YouTube video").fill(`https://www.youtube.com/watch?v=${HELD_VIDEO}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByTestId("job-status")).toHaveText("Link received");
  await expect(page.getByRole("heading", { name: "Looking up the video…" })).toBeVisible();
  const mark = await markDocument(page);

  await releaseHeldVideo();
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  await expect(page.getByRole("heading", { name: KNOWN_VIDEOS[HELD_VIDEO]!.title })).toBeVisible();
  await expectSameDocument(page, mark);
});

test("a private video's job goes on without its details, and says so", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.getByLabel("Link to your YouTube video").fill(`https://youtu.be/${PRIVATE_VIDEO}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  await expect(page.getByRole("heading", { name: "Title unavailable" })).toBeVisible();
  await expect(page.getByText("Reeldrop could not get this video's details from YouTube.")).toBeVisible();
  await expect(page.getByRole("checkbox")).toBeEnabled();
});

test("keyboard only: sign in, paste a link, confirm the rights and reach the file picker", async ({ page }) => {
  await page.goto("/");
  await tabTo(page, page.getByRole("button", { name: "Continue as guest" }));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByLabel("Link to your YouTube video"));
  await page.keyboard.type("https://youtu.be/dQw4w9WgXcQ");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  const rights = page.getByRole("checkbox");
  await tabTo(page, rights);
  await page.keyboard.press("Space");
  await expect(rights).toBeChecked();
  // Confirmed, the box keeps focus (it does not drop to the top of the page), and says so.
  await expect(page.getByRole("status").filter({ hasText: "Thanks — you can upload your copy of the video next." })).toBeVisible();
  await expect(rights).toBeFocused();
  await page.keyboard.press("Space");
  await expect(rights).toBeChecked();
  // The next stop is the file picker.
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Choose your video file")).toBeFocused();
});

/** Presses Tab until `target` has the focus; fails if it is not reached in `maxPresses`. */
async function tabTo(page: Page, target: Locator, maxPresses = 25): Promise<void> {
  await expect(target).toBeVisible();
  for (let presses = 0; presses < maxPresses; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  expect(await target.evaluate((element) => element === document.activeElement), "reachable with Tab").toBe(true);
}

test("a job that does not exist reads as not found", async ({ page }) => {
  await page.goto("/jobs/not-a-real-id");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await expect(page.getByRole("heading", { name: "Job not found" })).toBeVisible();
});

test("a lost live connection is said on the page, and the notice goes once it is back", async ({ page }) => {
  // Every live connection to the backend goes through this route, so the test can cut them.
  let cut = false;
  const open: { close: () => Promise<void> }[] = [];
  await page.routeWebSocket(/\/sync$/, (socket) => {
    if (cut) {
      void socket.close({ code: 1011, reason: "cut by the test" });
      return;
    }
    socket.connectToServer();
    open.push(socket);
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await expect(page.getByLabel("Link to your YouTube video")).toBeVisible();
  const notice = page.getByTestId("connection-notice");
  await expect(notice).toHaveText("");

  cut = true;
  await Promise.all(open.splice(0).map((socket) => socket.close()));
  await expect(notice).toHaveText(/^Connection to Reeldrop lost\. Reconnecting…/, { timeout: 15_000 });
  await expect(notice).toHaveAttribute("role", "status");

  cut = false;
  await expect(notice).toHaveText("", { timeout: 30_000 });
});
