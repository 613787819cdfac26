/** Steps the upload specs share: a job ready for its file, the panel's figures, the job's timeline. */
import { expect, type Locator, type Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { JobEventView } from "../../convex/lib/validators";
import type { ArtifactView } from "../../src/lib/artifacts/artifactGroups";

/** Signs in as a guest, creates a job from a known video, confirms the rights; returns the job id. */
export async function openJobAwaitingFile(page: Page): Promise<string> {
  await page.goto("/");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.getByLabel("Link to your YouTube video").fill("https://youtu.be/dQw4w9WgXcQ");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(page.getByTestId("job-status")).toHaveText("Video found");
  await page.getByRole("checkbox").check();
  await expect(fileInput(page)).toBeEnabled();
  return new URL(page.url()).pathname.split("/").pop()!;
}

export const fileInput = (page: Page): Locator => page.getByLabel("Choose your video file");
export const uploadPanel = (page: Page): Locator => page.locator("section.upload-panel");

/** The panel's data attributes, as numbers where they are numbers. */
export async function panelState(page: Page): Promise<{ status: string; partsConfirmed: number; partsTotal: number; hashingPath: string }> {
  const panel = uploadPanel(page);
  const [status, partsConfirmed, partsTotal, hashingPath] = await Promise.all([
    panel.getAttribute("data-upload-status"),
    panel.getAttribute("data-parts-confirmed"),
    panel.getAttribute("data-parts-total"),
    panel.getAttribute("data-hashing-path"),
  ]);
  return { status: status ?? "", partsConfirmed: Number(partsConfirmed), partsTotal: Number(partsTotal), hashingPath: hashingPath ?? "" };
}

/**
 * Records every value the progress bar shows (bytes uploaded), from the page itself, so that a
 * value that goes backwards between two of the spec's polls is caught too. Call before `goto`.
 */
export async function recordProgressValues(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: number[] = [];
    (window as unknown as { __uploadProgress: number[] }).__uploadProgress = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"][data-bytes-uploaded]');
      const value = Number(bar?.getAttribute("data-bytes-uploaded"));
      if (bar && value !== seen[seen.length - 1]) seen.push(value);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-bytes-uploaded"] });
  });
}

export async function recordedProgressValues(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __uploadProgress: number[] }).__uploadProgress);
}

/** A Convex client signed in as the page's guest, reading the same data the page reads. */
export async function clientAsPage(page: Page): Promise<ConvexHttpClient> {
  const token = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith("__convexAuthJWT")) return localStorage.getItem(key);
    }
    return null;
  });
  if (!token) throw new Error("the page holds no Convex Auth token");
  const { convexUrl } = JSON.parse(process.env.E2E_STACK ?? "{}") as { convexUrl: string };
  const client = new ConvexHttpClient(convexUrl);
  client.setAuth(token);
  return client;
}

/** The job's transitions. */
export async function jobTimeline(page: Page, jobId: string): Promise<JobEventView[]> {
  const events = await (await clientAsPage(page)).query(api.jobs.timeline, { jobId: jobId as Id<"video_jobs"> });
  if (events === null) throw new Error(`job ${jobId} not found`);
  return events;
}

/** The part numbers the server has recorded for the job's unfinished upload. */
export async function recordedSessionParts(page: Page, jobId: string): Promise<number[]> {
  const client = await clientAsPage(page);
  const partNumbers: number[] = [];
  for (let afterPartNumber: number | undefined; ; ) {
    const args = { jobId: jobId as Id<"video_jobs">, ...(afterPartNumber === undefined ? {} : { afterPartNumber }) };
    const recorded = await client.query(api.uploads.recordedPartNumbers, args);
    partNumbers.push(...(recorded?.partNumbers ?? []));
    if (recorded?.continueAfter == null) return partNumbers;
    afterPartNumber = recorded.continueAfter;
  }
}

/** The job's artifacts as its owner sees them (no storage keys). */
export async function jobArtifacts(page: Page, jobId: string): Promise<ArtifactView[]> {
  const artifacts = await (await clientAsPage(page)).query(api.artifacts.listForJob, { jobId: jobId as Id<"video_jobs"> });
  if (artifacts === null) throw new Error(`job ${jobId} not found`);
  return artifacts;
}
