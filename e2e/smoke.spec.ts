import { expect, test } from "./support/fixtures";
import { expectSameDocument, markDocument } from "./support/jobPage";
import { HELD_VIDEO, KNOWN_VIDEOS, releaseHeldVideo } from "./support/oembedStandIn";

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
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.getByLabel("Link to your YouTube video").fill(`https://www.youtube.com/watch?v=${HELD_VIDEO}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByTestId("job-status")).toHaveText("Link received");
  const mark = await markDocument(page);

  await releaseHeldVideo();
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  await expect(page.getByRole("heading", { name: KNOWN_VIDEOS[HELD_VIDEO]!.title })).toBeVisible();
  await expectSameDocument(page, mark);
});

test("an invalid link is refused with a clear message and creates no job", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.getByLabel("Link to your YouTube video").fill("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ");
  await page.getByRole("button", { name: "Continue" }).click();
  const refusal = page.getByRole("alert").filter({ hasText: "youtube.com or youtu.be" });
  await expect(refusal).toHaveText("That link is not on youtube.com or youtu.be.");
  const field = page.getByLabel("Link to your YouTube video");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(field).toHaveAccessibleDescription("That link is not on youtube.com or youtu.be.");
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole("link", { name: "My jobs" }).first().click();
  await expect(page.getByText("You have not started any jobs yet.")).toBeVisible();
});

test("a job that does not exist reads as not found", async ({ page }) => {
  await page.goto("/jobs/not-a-real-id");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await expect(page.getByRole("heading", { name: "Job not found" })).toBeVisible();
});
