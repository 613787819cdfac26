/**
 * Steps and checks the job-page specs share: signing in, recording what the stepper announced
 * (from the page itself, so a state shown between two polls is caught too), proving the page
 * never reloaded, screenshots of a state at both widths, and cheap accessibility checks.
 */
import { expect, type Page } from "@playwright/test";
import type { JobStatus } from "../../convex/lib/jobStatus";
import { STEP_LABELS } from "../../src/lib/jobs/jobSteps";

export const SCREENSHOTS = "e2e/screenshots";
export const DESKTOP = { width: 1280, height: 900 } as const;
export const NARROW = { width: 375, height: 812 } as const;

/** The status badge inside the stepper's live region: what a screen reader hears. */
const ANNOUNCED_STATUS = '[aria-live="polite"] [data-testid="job-status"]';

export async function signInAsGuest(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Continue as guest" }).click();
}

export const jobIdOf = (page: Page): string => new URL(page.url()).pathname.split("/").pop()!;

/** Reads a stepper label back as the status it names. */
export function statusOfLabel(label: string): JobStatus {
  const found = (Object.entries(STEP_LABELS) as [JobStatus, string][]).find(([, text]) => text === label);
  if (!found) throw new Error(`"${label}" is not a stepper label`);
  return found[0];
}

/**
 * Records every status the stepper's live region shows, in order, without repeats. Call before
 * `goto`; read with `announcedStatuses`.
 */
export async function recordAnnouncedStatuses(page: Page): Promise<void> {
  await page.addInitScript((selector) => {
    const seen: string[] = [];
    (window as unknown as { __announcedStatuses: string[] }).__announcedStatuses = seen;
    new MutationObserver(() => {
      const text = document.querySelector(selector)?.textContent ?? null;
      if (text && text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, ANNOUNCED_STATUS);
}

export async function announcedStatuses(page: Page): Promise<JobStatus[]> {
  const labels = await page.evaluate(() => (window as unknown as { __announcedStatuses: string[] }).__announcedStatuses);
  return labels.map(statusOfLabel);
}

/**
 * Records every value of the resume prompt's "parts already uploaded" (what a tab that is not
 * sending shows of an upload in progress). Call before `goto`.
 */
export async function recordPromptedParts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: number[] = [];
    (window as unknown as { __promptedParts: number[] }).__promptedParts = seen;
    new MutationObserver(() => {
      const prompt = document.querySelector('[data-testid="resume-prompt"]');
      const value = Number(prompt?.getAttribute("data-parts-uploaded"));
      if (prompt && value !== seen[seen.length - 1]) seen.push(value);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-parts-uploaded"] });
  });
}

export async function promptedParts(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __promptedParts: number[] }).__promptedParts);
}

/**
 * Marks the current document; `expectSameDocument` later proves it is still the one showing
 * (a reload or a full navigation would have replaced the window and lost the mark).
 */
export async function markDocument(page: Page): Promise<string> {
  const mark = `document-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => {
    (window as unknown as { __documentMark: string }).__documentMark = value;
  }, mark);
  return mark;
}

export async function expectSameDocument(page: Page, mark: string): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __documentMark?: string }).__documentMark)).toBe(mark);
}

/** Asserts statuses appear in the happy path's order: no step shown twice, none going back. */
export function expectInHappyPathOrder(statuses: readonly JobStatus[], happyPath: readonly JobStatus[]): void {
  const positions = statuses.map((status) => happyPath.indexOf(status));
  expect(positions, `statuses ${statuses.join(" → ")}`).not.toContain(-1);
  for (let i = 1; i < positions.length; i++) {
    expect(positions[i]!, `statuses ${statuses.join(" → ")}`).toBeGreaterThan(positions[i - 1]!);
  }
}

/** The page fits 375 px: nothing makes it scroll sideways. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(NARROW.width);
}

/**
 * Screenshots the whole page as `<state>-desktop.png` (1280 px) and `<state>-375.png`, checking
 * that the narrow one does not scroll sideways; leaves the page at its desktop width.
 */
export async function screenshotAtBothWidths(page: Page, state: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${SCREENSHOTS}/${state}-desktop.png`, fullPage: true });
  await page.setViewportSize(NARROW);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/${state}-375.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/** Every control a person can operate or read a value from. */
const CONTROLS = [
  "button",
  "input:not([type=hidden])",
  "select",
  "textarea",
  "a[href]",
  "video[controls]",
  "audio[controls]",
  "progress",
  "[role=progressbar]",
  "[role=slider]",
  "summary",
].join(", ");

/**
 * Every control of the app (its header and main content; not the dev server's overlay) has an
 * accessible name, as the browser's accessibility tree computes it.
 */
export async function expectEveryControlNamed(page: Page): Promise<number> {
  const controls = page.locator("body > header, body > main").locator(CONTROLS);
  const count = await controls.count();
  for (let i = 0; i < count; i++) {
    const control = controls.nth(i);
    const description = await control.evaluate((element) => element.outerHTML.slice(0, 200));
    await expect(control, `no accessible name: ${description}`).toHaveAccessibleName(/\S/, { timeout: 1_000 });
  }
  return count;
}
