/**
 * What a developer would see go wrong while a spec runs: every `console.error` and uncaught
 * exception of a page, and Next's dev overlay, which counts each of them as an "Issue".
 */
import { expect, type Page } from "@playwright/test";

export type ConsoleWatch = { errors: () => string[] };

/** Records the page's console errors and uncaught exceptions from now on. */
export function watchConsole(page: Page): ConsoleWatch {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  return { errors: () => [...errors] };
}

/**
 * Nothing went to the console as an error, and the dev overlay's issue badge (inside its shadow
 * root, which Playwright's CSS pierces) counts none.
 */
export async function expectCleanConsole(page: Page, watch: ConsoleWatch, path: string): Promise<void> {
  expect(watch.errors(), `console errors on the ${path} path`).toEqual([]);
  await expect(page.locator("nextjs-portal [data-issues-count]"), `dev overlay issues on the ${path} path`).not.toHaveText(/[1-9]/, {
    timeout: 1_000,
  });
}
