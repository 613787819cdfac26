/**
 * The specs' `test`: Playwright's, with the app's address as `baseURL` (set by globalSetup),
 * the fault-injecting storage proxy reset to pass-through around every test, YouTube's
 * thumbnails answered locally (`serveYouTubeThumbnails`), and one temporary folder per worker
 * for generated files (`filesFolder`), removed at the end.
 */
import { test as base } from "@playwright/test";
import { serveYouTubeThumbnails } from "./oembedStandIn";
import { resetProxy } from "./proxyControl";
import { tempFolder } from "./testFiles";

export { expect } from "@playwright/test";
export type { Browser, Locator, Page, TestInfo } from "@playwright/test";

export const APP_URL = process.env.E2E_APP_URL;

export const test = base.extend<{ proxyReset: void; youTubeThumbnails: void }, { filesFolder: string }>({
  baseURL: APP_URL,
  proxyReset: [
    // Playwright reads which fixtures a function needs from its first parameter's pattern.
    async ({}, use) => {
      await resetProxy();
      await use();
      await resetProxy();
    },
    { auto: true },
  ],
  youTubeThumbnails: [
    async ({ context }, use) => {
      await serveYouTubeThumbnails(context);
      await use();
    },
    { auto: true },
  ],
  filesFolder: [
    async ({}, use) => {
      const folder = await tempFolder();
      await use(folder.path);
      await folder.remove();
    },
    { scope: "worker" },
  ],
});
