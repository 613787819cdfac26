/**
 * Drill (issue 8): one upload survives every kind of fault a creator's upload meets, one after
 * the other, while parts are in flight:
 *
 * 1. storage is stopped for 10 s and started again,
 * 2. the browser goes offline and comes back,
 * 3. the page is reloaded, and the creator picks the same file again (the resume prompt),
 * 4. and once more;
 *
 * then the upload finishes, the job reaches UPLOADED and storage holds the file byte for byte.
 *
 * "Storage stopped": s3rver keeps its state in the test process (globalSetup), so it is not
 * killed. The fault-injecting proxy in front of it, which is the endpoint every presigned URL
 * names, closes its listening socket and resets every open connection for 10 s, then listens
 * again on the same port (the proxy's `outage` mode). From the browser this is exactly a stopped
 * server: in-flight PUTs are reset and new ones are refused (ECONNREFUSED), not answered with an
 * HTTP error. As with R2 coming back, what storage had stored before is still there.
 *
 * "Offline" is Chromium's network emulation (`context.setOffline`), which fires the window's
 * `offline`/`online` events the engine listens to (`src/lib/upload/networkStatus.ts`).
 */
import { expect, test, type Page } from "./support/fixtures";
import { proxyStats, setProxyMode, stopStorageFor, waitForStorageBack } from "./support/proxyControl";
import { sourceKey, storedObjectDigest } from "./support/storedObject";
import { lostParts } from "./support/storedParts";
import { MiB, writeSeededFile } from "./support/testFiles";
import { fileInput, jobTimeline, openJobAwaitingFile, panelState, uploadPanel } from "./support/uploadPage";

const OUTAGE_MS = 10_000;
const OFFLINE_MS = 3_000;
/** 12 parts of 8 MiB. */
const FILE_BYTES = 96 * MiB;
/** Per part PUT: with the engine's 4 parts in flight, about 8 MiB/s in all, 12 s for the file. */
const THROTTLE_BYTES_PER_SECOND = 2 * MiB;

/**
 * Waits until the upload is moving: a part PUT that started after `since` has delivered at least
 * `bytes` of its body to the proxy. Returns when it started.
 */
async function waitForBytesFlowingSince(since: number, bytes = 1 * MiB, timeout = 60_000): Promise<number> {
  let startedAt = 0;
  await expect
    .poll(
      async () => {
        const put = (await proxyStats()).partPuts.find((p) => p.startedAt > since && p.bytesReceived >= bytes);
        startedAt = put?.startedAt ?? 0;
        return startedAt > 0;
      },
      { timeout, message: `part bytes flowing again after ${new Date(since).toISOString()}` },
    )
    .toBe(true);
  return startedAt;
}

/** Reloads mid-upload and picks the same file again at the resume prompt; returns when it was picked. */
async function reloadAndResume(page: Page, filePath: string, fileName: string): Promise<number> {
  await page.reload();
  await expect(page.getByTestId("resume-prompt")).toContainText(fileName);
  const pickedAt = Date.now();
  await fileInput(page).setInputFiles(filePath);
  return pickedAt;
}

test("drill upload-faults: storage stopped for 10 s, offline and back, two reloads — the object is byte-identical", async ({
  page,
  filesFolder,
  context,
}, testInfo) => {
  test.setTimeout(180_000);
  const startedAt = Date.now();
  const file = await writeSeededFile(filesFolder, "festival-set.mp4", FILE_BYTES, "drill-upload-faults");
  const jobId = await openJobAwaitingFile(page);
  await setProxyMode({ mode: "pass", throttleBytesPerSecond: THROTTLE_BYTES_PER_SECOND });
  await fileInput(page).setInputFiles(file.path);
  const panel = uploadPanel(page);

  // 1. Storage stops while parts are in flight, and starts again 10 s later.
  await waitForBytesFlowingSince(0);
  await stopStorageFor(OUTAGE_MS);
  const outageStartedAt = Date.now();
  await expect.poll(async () => (await proxyStats()).inFlight).toBe(0);
  await waitForStorageBack(OUTAGE_MS + 30_000);
  expect(Date.now() - outageStartedAt).toBeGreaterThanOrEqual(OUTAGE_MS - 500);
  const [outage] = (await proxyStats()).outages;
  // Nothing reached storage while it was down.
  expect((await proxyStats()).partPuts.filter((p) => p.startedAt > outage!.startedAt && p.startedAt < outage!.endedAt)).toEqual([]);
  await waitForBytesFlowingSince(outage!.endedAt);

  // 2. The browser goes offline: the engine cuts its PUTs and holds new ones; then it comes back.
  await context.setOffline(true);
  const offlineAt = Date.now();
  await expect(panel).toHaveAttribute("data-upload-status", "offline");
  await expect.poll(async () => (await proxyStats()).inFlight).toBe(0);
  await page.waitForTimeout(OFFLINE_MS);
  const offlineStats = await proxyStats();
  expect(offlineStats.partPuts.filter((p) => p.startedAt > offlineAt + 1_000)).toEqual([]);
  await context.setOffline(false);
  const onlineAt = Date.now();
  await expect(panel).toHaveAttribute("data-upload-status", "uploading");
  await waitForBytesFlowingSince(onlineAt);

  // 3 and 4. Two reloads while parts are in flight, each followed by picking the same file again.
  const reloadsAt: number[] = [];
  let since = onlineAt;
  for (let i = 0; i < 2; i++) {
    await expect(panel).toHaveAttribute("data-upload-status", "uploading");
    reloadsAt.push(Date.now());
    since = await reloadAndResume(page, file.path, file.name);
    await waitForBytesFlowingSince(since);
  }

  await expect(page.getByTestId("upload-done")).toBeVisible({ timeout: 90_000 });
  const state = await panelState(page);
  expect(state.partsTotal).toBe(FILE_BYTES / (8 * MiB));
  expect(state.partsConfirmed).toBe(state.partsTotal);

  const stats = await proxyStats();
  await setProxyMode({ mode: "pass" });
  const stored = await storedObjectDigest(sourceKey(jobId));
  expect(stored.size).toBe(file.size);
  expect(stored.sha256).toBe(file.sha256);
  // Measured, part by part: which of the file's parts storage lacks or holds other bytes for.
  const lost = await lostParts(sourceKey(jobId), file.path, file.size, 8 * MiB);
  expect(lost.parts).toBe(state.partsTotal);
  expect(lost.lostParts).toEqual([]);
  expect(lost.lostBytes).toBe(0);
  await expect
    .poll(async () => (await jobTimeline(page, jobId)).filter((event) => event.to === "UPLOADED").length)
    .toBe(1);
  const timeline = await jobTimeline(page, jobId);
  expect(timeline.some((event) => event.to === "FAILED" && event.from !== "PROCESSING")).toBe(false);

  const cutByOutage = stats.partPuts.filter((p) => p.outcome === "cut-by-outage").length;
  const cutOffline = stats.partPuts.filter((p) => p.outcome === "abandoned" && p.endedAt >= offlineAt && p.endedAt <= onlineAt).length;
  const cutByReloads = reloadsAt.map(
    (at) => stats.partPuts.filter((p) => p.outcome === "abandoned" && p.endedAt >= at && p.endedAt <= at + 5_000).length,
  );
  // Every fault landed mid-upload: each one cut part PUTs that were carrying bytes.
  expect(cutByOutage).toBeGreaterThan(0);
  expect(cutOffline).toBeGreaterThan(0);
  for (const cuts of cutByReloads) expect(cuts).toBeGreaterThan(0);

  const figures = {
    outageSeconds: +((outage!.endedAt - outage!.startedAt) / 1000).toFixed(1),
    connectionsResetByOutage: outage!.connectionsReset,
    partPutsCutByOutage: cutByOutage,
    partPutsCutOffline: cutOffline,
    partPutsCutByReloads: cutByReloads,
    partPuts: stats.partPuts.length,
    parts: state.partsTotal,
    lostParts: lost.lostParts.length,
    lostBytes: lost.lostBytes,
    bytesForwardedMiB: +(stats.bytesForwarded / MiB).toFixed(1),
    seconds: +((Date.now() - startedAt) / 1000).toFixed(1),
  };
  testInfo.annotations.push({ type: "drill upload-faults", description: JSON.stringify(figures) });
  console.log(`[drill upload-faults] ${JSON.stringify(figures)}`);
  console.log(
    `drill upload-faults: ${figures.outageSeconds} s outage + 1 offline period + 2 reloads injected ` +
      `(${cutByOutage + cutOffline + cutByReloads.reduce((a, b) => a + b, 0)} part PUTs cut), ` +
      `stored ${lost.storedBytes} of ${file.size} bytes, sha256 ${stored.sha256 === file.sha256 ? "identical" : "different"} ` +
      `(${stored.sha256.slice(0, 12)}…), ${lost.lostParts.length} of ${lost.parts} parts lost (${lost.lostBytes} bytes)`,
  );
});
