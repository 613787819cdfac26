/**
 * The mistakes a person is expected to make are answered on the page, and nothing about them
 * reaches the console as an error (which Next's dev overlay would count as an "Issue"): a
 * mistyped link is caught as it is typed, before the server hears of it, and a refusal only the
 * server can make (too many jobs this hour) is shown as what it is. Canceling and another
 * person's job are checked the same way in `cancelJob.spec.ts` and `privacy.spec.ts`.
 */
import { api } from "../convex/_generated/api";
import { YOUTUBE_URL_ERRORS } from "../convex/lib/youtube";
import { expectCleanConsole, watchConsole } from "./support/consoleWatch";
import { expect, test, type Page } from "./support/fixtures";
import { DESKTOP, NARROW, screenshotAtBothWidths, signInAsGuest } from "./support/jobPage";
import { clientAsPage } from "./support/uploadPage";

const linkField = (page: Page) => page.getByLabel("Link to your YouTube video");

/** Records the names of the functions the page asks the backend to run over its sync socket. */
function recordFunctionCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on("websocket", (socket) =>
    socket.on("framesent", ({ payload }) => {
      for (const [, udfPath] of String(payload).matchAll(/"udfPath":"([^"]+)"/g)) calls.push(udfPath!);
    }),
  );
  return calls;
}

for (const viewport of [DESKTOP, NARROW]) {
  test(`a mistyped link is caught as it is typed, and never sent (${viewport.width} px)`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const consoleWatch = watchConsole(page);
    const calls = recordFunctionCalls(page);
    await page.goto("/");
    await signInAsGuest(page);

    // Said when the field is left, before Continue is pressed.
    await linkField(page).fill("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ");
    await linkField(page).blur();
    const refusal = page.getByRole("alert").filter({ hasText: "youtube.com or youtu.be" });
    await expect(refusal).toHaveText(YOUTUBE_URL_ERRORS.notYouTube);
    await expect(linkField(page)).toHaveAttribute("aria-invalid", "true");
    await expect(linkField(page)).toHaveAccessibleDescription(YOUTUBE_URL_ERRORS.notYouTube);
    if (viewport === DESKTOP) await screenshotAtBothWidths(page, "home-bad-link");

    // Continue keeps the page and the focus on the link.
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(refusal).toBeVisible();
    await expect(linkField(page)).toBeFocused();
    await expect(page).toHaveURL(/\/$/);

    // From then on it is checked as it is typed: another mistake, then the mistake mended.
    await linkField(page).fill("https://www.youtube.com/playlist?list=PL123");
    await expect(page.getByRole("alert").filter({ hasText: "single video" })).toHaveText(YOUTUBE_URL_ERRORS.noVideo);
    await linkField(page).fill("https://youtu.be/dQw4w9WgXcQ");
    await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
    await expect(linkField(page)).toHaveAttribute("aria-invalid", "false");

    // None of it reached the server, and nobody's job list has anything in it.
    expect(calls.filter((name) => name.startsWith("jobs:createJob"))).toEqual([]);
    await page.getByRole("link", { name: "My jobs" }).first().click();
    await expect(page.getByText("You have not started any jobs yet.")).toBeVisible();
    await expectCleanConsole(page, consoleWatch, "mistyped link");
  });
}

test("the job over the hourly limit is refused with when another may start, and the console stays clean", async ({ page }) => {
  test.setTimeout(90_000);
  const consoleWatch = watchConsole(page);
  await page.goto("/");
  await signInAsGuest(page);
  await expect(linkField(page)).toBeVisible();

  // The hour's jobs (JOBS_PER_USER_PER_HOUR, 30 by default) started by this guest in one go.
  const client = await clientAsPage(page);
  let started = 0;
  for (;;) {
    try {
      await client.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://youtu.be/aqz-KE-bpKQ" });
      started++;
    } catch (error) {
      expect(String(error)).toContain("rate_limited");
      break;
    }
    expect(started, "the hourly limit never came").toBeLessThan(100);
  }

  await linkField(page).fill("https://youtu.be/dQw4w9WgXcQ");
  await page.getByRole("button", { name: "Continue" }).click();
  const refusal = page.getByRole("main").getByRole("alert");
  await expect(refusal).toHaveText(
    new RegExp(`^You have started ${started} videos in the last hour\\. You can start another in (a minute|\\d+ minutes)\\.$`),
  );
  // The link was fine: the field is not marked as the problem, and it stays for later.
  await expect(linkField(page)).toHaveAttribute("aria-invalid", "false");
  await expect(linkField(page)).toHaveValue("https://youtu.be/dQw4w9WgXcQ");
  await expect(page).toHaveURL(/\/$/);

  // The Convex client logs every failed mutation with console.error, refusals the page handles
  // included, unless it is made with `refusalLogger()` (src/components/ConvexClientProvider.tsx).
  await expectCleanConsole(page, consoleWatch, "rate limit");
});
