/**
 * Upload throughput in Chromium against the local stack's embedded S3 server:
 *   (a) one XHR PUT of the whole file to a presigned PutObject URL,
 *   (b) raw parallel part PUTs to presigned UploadPart URLs (the server's part size, 4 at once),
 *   (b′) the same with each part's CRC32C signed into its URL as the engine's are (computed in
 *       Node before the run, untimed): what storage's own checksum verification costs, reported apart,
 *   (c) the upload engine (`src/lib/upload`) end to end through the Convex functions,
 *   (d) Uppy (`@uppy/core` + `@uppy/aws-s3`, multipart) end to end through the same functions,
 *   (e) Uppy doing the engine's integrity work (each part's CRC32C, computed as the engine computes
 *       it and signed into the part's URL) — the same work as (c), to tell the engine's scheduling
 *       from that work's cost.
 * Same file (generated on disk and selected in an <input type=file>), part size and concurrency;
 * runs rotate the order; medians. Reports MiB/s, c/a, c/b, c/d (also per run, with the load
 * average), Convex calls per GiB, the page's peak JS heap (`performance.memory`, precise), how
 * long the page's main thread was held up (event-loop lag), where the machine's CPU went in each
 * mode (`processCpu.ts`: CPU seconds per GiB per process role), the engine's timing marks (first
 * PUT, first bytes on the wire) and each checksum's speed on the page (CRC32C in WebAssembly and
 * JS, and the MD5 and SHA-256 the engine used to compute). `--profile` also prints the main
 * thread's CPU profile of every engine run and what reading the file costs.
 *
 * `--link-mbps N` puts every mode behind the same emulated uplink (Chromium's network throttling,
 * shared by all of the page's requests, Convex calls included; `--link-rtt-ms`, default 20), to
 * compare them where the network, not the machine's CPU, is the limit, as for real users.
 *
 *   tsx scripts/bench/uploadThroughput.ts [--mib 1024] [--runs 3] [--profile] [--link-mbps N [--link-rtt-ms 20]]
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, open, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { chromium, type Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { build } from "esbuild";
import { api } from "../../convex/_generated/api";
import { crc32cToBase64, crc32cUpdate } from "../../convex/lib/crc32c";
import { computePartPlan, MiB } from "../../convex/lib/partPlan";
import { RIGHTS_STATEMENT } from "../../convex/lib/rightsStatement";
import { createS3Client } from "../../convex/model/s3Client";
import { waitForStatus } from "../../modal/worker/testing/localStack";
import { startDevStack } from "../dev/devStack";
import { EMBEDDED_S3_CREDENTIALS } from "../s3/embeddedS3";
import { DEFAULT_UPLOAD_OPTIONS } from "../../src/lib/upload/core/options";
import type { Measured as PageMeasured, UppyIntegrity } from "./uploadPage.browser";
import { BENCH_FUNCTION_ENV, median, numberArg, reportResult, round } from "./benchSupport";
import { cpuSecondsBetween, snapshotCpu, type CpuRole } from "./processCpu";

const SIZE_MIB = numberArg("mib", 1024);
const RUNS = numberArg("runs", 3);
/** The engine's defaults; Uppy (d) is wired with the same. */
const { concurrency: CONCURRENCY, urlBatchSize: URL_BATCH_SIZE } = DEFAULT_UPLOAD_OPTIONS;
const requireFromHere = createRequire(import.meta.url);
const UPPY_VERSIONS = {
  core: (requireFromHere("@uppy/core/package.json") as { version: string }).version,
  awsS3: (requireFromHere("@uppy/aws-s3/package.json") as { version: string }).version,
};
const MODES = ["single", "parts", "partsChecked", "engine", "uppy", "uppyChecked"] as const;
type Mode = (typeof MODES)[number];
type Measured = PageMeasured & {
  completeMs?: number;
  /** CPU seconds each part of the machine spent during the run (`processCpu.ts`), untimed set-up included. */
  cpuSeconds?: Partial<Record<CpuRole, number>>;
};
const PROFILE = process.argv.includes("--profile");
/** 0: the loopback as it is (the issue's comparison); otherwise an emulated uplink of this many Mbit/s. */
const LINK_MBPS = numberArg("link-mbps", 0);
const LINK_RTT_MS = numberArg("link-rtt-ms", 20);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  return result.outputFiles[0]!.text;
}

/** The page and its script, at the origin the storage's CORS rule allows. */
async function servePage(port: number): Promise<Server> {
  const files: Record<string, [string, string]> = {
    "/": ["text/html", '<!doctype html><input type="file" id="file"><script type="module" src="/page.js"></script>'],
    "/page.js": ["text/javascript", await bundle("scripts/bench/uploadPage.browser.ts")],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ""];
    response.writeHead(file ? 200 : 404, { "content-type": file?.[0] ?? "text/plain" }).end(file?.[1] ?? "");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

/** `--link-mbps`: an uplink of that speed and round trip for everything the page sends (download unlimited). */
async function emulateUplink(page: Page, megabitsPerSecond: number, rttMs: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: rttMs,
    downloadThroughput: -1,
    uploadThroughput: (megabitsPerSecond * 1_000_000) / 8,
  });
}

/**
 * `--profile`: the page's main-thread CPU profile (CDP Profiler) over an engine run, as the
 * functions with the most self time. Web Workers are separate targets; the timing marks cover them.
 */
async function startProfiler(page: Page): Promise<{ stop(): Promise<string> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  return {
    async stop() {
      const { profile } = await cdp.send("Profiler.stop");
      await cdp.detach();
      const totalMs = (profile.endTime - profile.startTime) / 1000;
      const selfMs = new Map<string, number>();
      const deltas = profile.timeDeltas ?? [];
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      (profile.samples ?? []).forEach((id, i) => {
        const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
        const name = `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
        selfMs.set(name, (selfMs.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
      });
      const top = [...selfMs].sort((x, y) => y[1] - x[1]).slice(0, 15);
      return [`main thread, ${Math.round(totalMs)} ms profiled; self time:`, ...top.map(([n, ms]) => `  ${ms.toFixed(0).padStart(6)} ms ${(100 * ms / totalMs).toFixed(1).padStart(5)} %  ${n}`)].join("\n");
    },
  };
}

async function writeTestFile(filePath: string, bytes: number): Promise<void> {
  const handle = await open(filePath, "w");
  try {
    for (let written = 0; written < bytes; written += MiB) await handle.write(randomBytes(Math.min(MiB, bytes - written)));
  } finally {
    await handle.close();
  }
}

/** Each part's x-amz-checksum-crc32c value, read from the file on disk. */
async function partChecksums(filePath: string, partSize: number, partCount: number): Promise<string[]> {
  const handle = await open(filePath, "r");
  try {
    const buffer = Buffer.alloc(partSize);
    const checksums: string[] = [];
    for (let part = 0; part < partCount; part++) {
      const { bytesRead } = await handle.read(buffer, 0, partSize, part * partSize);
      checksums.push(crc32cToBase64(crc32cUpdate(0, buffer.subarray(0, bytesRead))));
    }
    return checksums;
  } finally {
    await handle.close();
  }
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "reeldrop-bench-upload-"));
  const appPort = await freePort();
  const log: string[] = [];
  const stack = await startDevStack({
    offline: true,
    app: false,
    worker: false,
    ports: { app: appPort, convex: 0, site: 0, s3: 0 },
    stateDir: dir,
    functionEnv: { ...BENCH_FUNCTION_ENV, OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed" },
    log: (line) => log.push(line),
  });
  const server = await servePage(appPort);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--enable-precise-memory-info", "--js-flags=--expose-gc"],
  });
  try {
    const size = SIZE_MIB * MiB;
    const filePath = path.join(dir, "bench.mp4");
    await writeTestFile(filePath, size);
    const { partSize, partCount } = computePartPlan(size);
    const checksums = await partChecksums(filePath, partSize, partCount);
    const { convexUrl, s3Endpoint, bucket } = stack.endpoints;
    const s3 = createS3Client({ endpoint: s3Endpoint, bucket, ...EMBEDDED_S3_CREDENTIALS });
    const page = await browser.newPage();
    if (PROFILE) page.on("console", (message) => console.log(`page: ${message.text()}`));
    await page.goto(`http://127.0.0.1:${appPort}/`);
    await page.waitForFunction(() => "uploadBench" in window);
    await page.setInputFiles("#file", filePath);
    if (LINK_MBPS > 0) await emulateUplink(page, LINK_MBPS, LINK_RTT_MS);

    const guest = new ConvexHttpClient(convexUrl);
    const signIn = (await guest.action(api.auth.signIn, { provider: "anonymous" })) as { tokens?: { token: string } | null };
    const token = signIn.tokens!.token;
    guest.setAuth(token);

    const hashMiBps = await page.evaluate((mib) => window.uploadBench.hashSpeed(mib), Math.min(SIZE_MIB, 256));
    console.log("checksum speed on the page's main thread, MiB/s:", hashMiBps);
    if (PROFILE) {
      // What one more read of the file costs, as each hash's read does (Chromium's browser process
      // serves the bytes, the renderer receives them).
      const readMiB = Math.min(SIZE_MIB, 256);
      for (const chunkMiB of [8, 1, "stream"] as const) {
        const before = snapshotCpu();
        const ms = await page.evaluate(([m, c]) => window.uploadBench.readThrough(m, c), [readMiB, chunkMiB] as const);
        const perGiB = Object.entries(cpuSecondsBetween(before, snapshotCpu())).map(([role, s]) => `${role} ${round((s * 1024) / readMiB, 2)}`);
        console.log(`reading ${readMiB} MiB of the file into the page, ${chunkMiB === "stream" ? "as one stream" : `${chunkMiB} MiB at a time`}: ${Math.round(ms)} ms; CPU s per GiB: ${perGiB.join(", ")}`);
      }
    }

    /** A job whose rights are confirmed, ready for `prepareUpload` (made untimed). */
    const jobAwaitingUpload = async () => {
      const { jobId } = await guest.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://youtu.be/dQw4w9WgXcQ" });
      await waitForStatus(guest, jobId, ["META_READY"]);
      await guest.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version });
      return jobId;
    };

    const uppyRun = async (integrity: UppyIntegrity): Promise<Measured> => {
      const jobId = await jobAwaitingUpload();
      const measured = await page.evaluate(
        ([u, t, j, c, n, same]) => window.uploadBench.uppy(u, t, j, c, n, same),
        [convexUrl, token, jobId, CONCURRENCY, URL_BATCH_SIZE, integrity] as const,
      );
      const job = await guest.query(api.jobs.get, { jobId });
      if (job?.status !== "UPLOADED" && job?.status !== "PROCESSING") throw new Error(`Uppy upload left the job ${job?.status}`);
      return measured;
    };

    /** (b), or (b′) with each part's CRC32C signed into its URL, sent as its header and checked by storage. */
    const rawPartsRun = async (run: number, checked: boolean): Promise<Measured> => {
      const Key = `bench/parts${checked ? "-checked" : ""}-${run}`;
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key, ...(checked ? { ChecksumAlgorithm: "CRC32C" as const } : {}) }),
      );
      const checksumOf = (i: number) => (checked ? checksums[i] : undefined);
      const urls = await Promise.all(
        Array.from({ length: partCount }, (_, i) =>
          getSignedUrl(s3, new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1, ChecksumCRC32C: checksumOf(i) }), {
            expiresIn: 3600,
            unhoistableHeaders: new Set(["x-amz-checksum-crc32c"]),
          }),
        ),
      );
      const headers = Array.from({ length: partCount }, (_, i): Record<string, string> => (checked ? { "x-amz-checksum-crc32c": checksums[i]! } : {}));
      const { etags, ...measured } = await page.evaluate(
        ([u, p, c, h]) => window.uploadBench.rawParts(u, p, c, h),
        [urls, partSize, CONCURRENCY, headers] as const,
      );
      // Untimed in (b) itself, but measured: storage's own completion is part of (c) and (d).
      const completing = performance.now();
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1, ChecksumCRC32C: checksumOf(i) })) },
        }),
      );
      return { ...measured, completeMs: performance.now() - completing };
    };

    const runMode: Record<Mode, (run: number) => Promise<Measured>> = {
      async single(run) {
        const Key = `bench/single-${run}`;
        const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key }), { expiresIn: 3600 });
        const measured = await page.evaluate((u) => window.uploadBench.singlePut(u), url);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        if (head.ContentLength !== size) throw new Error(`single PUT stored ${head.ContentLength} bytes`);
        return measured;
      },
      parts: (run) => rawPartsRun(run, false),
      partsChecked: (run) => rawPartsRun(run, true),
      uppy: () => uppyRun("none"),
      uppyChecked: () => uppyRun("engine"),
      async engine() {
        const jobId = await jobAwaitingUpload();
        const profiler = PROFILE ? await startProfiler(page) : null;
        const measured = await page.evaluate(
          ([u, t, j, c, n]) => window.uploadBench.engine(u, t, j, c, n),
          [convexUrl, token, jobId, CONCURRENCY, URL_BATCH_SIZE] as const,
        );
        if (profiler) console.log(await profiler.stop());
        if (measured.phases) console.log(`engine ${Math.round(measured.ms)} ms; marks ${JSON.stringify(measured.phases)}`);
        const job = await guest.query(api.jobs.get, { jobId });
        if (job?.status !== "UPLOADED" && job?.status !== "PROCESSING") throw new Error(`engine upload left the job ${job?.status}`);
        return measured;
      },
    };

    const withCpu = async (run: () => Promise<Measured>): Promise<Measured> => {
      const before = snapshotCpu();
      const measured = await run();
      return { ...measured, cpuSeconds: cpuSecondsBetween(before, snapshotCpu()) };
    };
    const results: Record<Mode, Measured[]> = { single: [], parts: [], partsChecked: [], engine: [], uppy: [], uppyChecked: [] };
    const perRun: Record<string, number>[] = [];
    const speed = (r: Measured) => SIZE_MIB / (r.ms / 1000);
    for (let run = 0; run < RUNS; run++) {
      const order = MODES.map((_, i) => MODES[(i + run) % MODES.length]!);
      for (const mode of order) results[mode].push(await withCpu(() => runMode[mode](run)));
      const [a, b, , c, d, e] = MODES.map((m) => speed(results[m].at(-1)!));
      const lastParts = results.parts.at(-1)!;
      const bWithCompletion = SIZE_MIB / ((lastParts.ms + (lastParts.completeMs ?? 0)) / 1000);
      perRun.push({
        c_b: round(c! / b!),
        c_bWithCompletion: round(c! / bWithCompletion),
        c_d: round(c! / d!),
        c_e: round(c! / e!),
        loadAverage1m: round(loadavg()[0]!),
      });
      console.log(
        `run ${run + 1} (${order.join(" → ")}): ` +
          MODES.map((m) => `${m} ${round(speed(results[m].at(-1)!), 1)} MiB/s`).join(", ") +
          `; c/a ${round(c! / a!)}, c/b ${round(c! / b!)}, c/d ${round(c! / d!)}, c/e ${round(c! / e!)}; load ${perRun.at(-1)!.loadAverage1m}`,
      );
    }

    const mibPerSecond = (mode: Mode) => round(SIZE_MIB / (median(results[mode].map((r) => r.ms)) / 1000), 1);
    const peakHeapMiB = (mode: Mode) => round(Math.max(...results[mode].map((r) => r.peakHeapBytes)) / MiB, 1);
    const medianOf = (values: number[]) => round(median(values), 0);
    const a = mibPerSecond("single");
    const b = mibPerSecond("parts");
    const c = mibPerSecond("engine");
    const d = mibPerSecond("uppy");
    const e = mibPerSecond("uppyChecked");
    // (b) plus storage's own CompleteMultipartUpload, which (c) and (d) include (the embedded S3
    // server copies every part into the object and MD5s it; R2 does not copy).
    const bWithCompletion = round(SIZE_MIB / (median(results.parts.map((r) => r.ms + (r.completeMs ?? 0))) / 1000), 1);
    const engineCalls = median(results.engine.map((r) => r.convexCalls ?? 0));
    const uppyCalls = median(results.uppy.map((r) => r.convexCalls ?? 0));
    const uppyCheckedCalls = median(results.uppyChecked.map((r) => r.convexCalls ?? 0));
    /** Median CPU seconds per GiB uploaded, per role and in total. */
    const cpuPerGiB = (runs: Measured[]) => {
      const roles = [...new Set(runs.flatMap((r) => Object.keys(r.cpuSeconds ?? {})))] as CpuRole[];
      const perGiB = (seconds: number) => round((seconds * 1024) / SIZE_MIB, 2);
      const total = (r: Measured) => Object.values(r.cpuSeconds ?? {}).reduce((sum, s) => sum + s, 0);
      return { total: perGiB(median(runs.map(total))), ...Object.fromEntries(roles.map((role) => [role, perGiB(median(runs.map((r) => r.cpuSeconds?.[role] ?? 0)))])) };
    };
    const mark = (name: string) => medianOf(results.engine.map((r) => r.phases?.[name] ?? Number.NaN));
    const result = {
      fileMiB: SIZE_MIB,
      runs: RUNS,
      partSizeMiB: partSize / MiB,
      partCount,
      concurrency: CONCURRENCY,
      urlBatchSize: URL_BATCH_SIZE,
      storage: "embedded S3 (@20minutes/s3rver) on 127.0.0.1",
      link: LINK_MBPS > 0 ? { uplinkMbps: LINK_MBPS, rttMs: LINK_RTT_MS } : "loopback, unthrottled",
      singlePutMiBps: a,
      rawPartsMiBps: b,
      rawPartsWithCompletionMiBps: bWithCompletion,
      rawPartsWithCrc32cMiBps: mibPerSecond("partsChecked"),
      storageCompleteMs: medianOf(results.parts.map((r) => r.completeMs ?? Number.NaN)),
      engineMiBps: c,
      uppyMiBps: d,
      uppyWithSameIntegrityWorkMiBps: e,
      engineOverSinglePut: round(c / a, 2),
      engineOverRawParts: round(c / b, 2),
      engineOverRawPartsWithCompletion: round(c / bWithCompletion, 2),
      engineOverUppy: round(c / d, 2),
      engineOverUppyWithSameIntegrityWork: round(c / e, 2),
      perRun,
      engineMarksMs: {
        total: medianOf(results.engine.map((r) => r.ms)),
        firstPut: mark("firstPut"),
        firstBytes: mark("firstBytes"),
        firstBytesMax: Math.max(...results.engine.map((r) => r.phases?.firstBytes ?? Number.NaN)),
        lastPartConfirmed: mark("partsDone"),
      },
      checksumMiBpsOnPage: hashMiBps,
      convexCallsPerUpload: { engine: engineCalls, uppy: uppyCalls, uppyChecked: uppyCheckedCalls },
      convexCallsPerGiB: {
        engine: round((engineCalls * 1024) / SIZE_MIB, 0),
        uppy: round((uppyCalls * 1024) / SIZE_MIB, 0),
        uppyChecked: round((uppyCheckedCalls * 1024) / SIZE_MIB, 0),
      },
      cpuSecondsPerGiB: Object.fromEntries(MODES.map((mode) => [mode, cpuPerGiB(results[mode])])),
      peakHeapMiB: Object.fromEntries(MODES.map((mode) => [mode, peakHeapMiB(mode)])),
      // How long the page's main thread was held up: the longest single delay (any run), and the
      // delays summed over the run (median run), per GiB.
      mainThreadLag: Object.fromEntries(
        MODES.map((mode) => [
          mode,
          {
            maxMs: round(Math.max(...results[mode].map((r) => r.maxLagMs)), 0),
            totalMsPerGiB: round((median(results[mode].map((r) => r.totalLagMs)) * 1024) / SIZE_MIB, 0),
          },
        ]),
      ),
      uppyVersion: `@uppy/core ${UPPY_VERSIONS.core}, @uppy/aws-s3 ${UPPY_VERSIONS.awsS3}`,
    };
    console.log(
      `(a) ${a}, (b) ${b} (${bWithCompletion} with storage's completion), (c) ${c}, (d) ${d} MiB/s; ` +
        `c/a ${result.engineOverSinglePut}, c/b ${result.engineOverRawParts}, c/d ${result.engineOverUppy}; ` +
        `(e) Uppy with the same integrity work ${e} MiB/s, c/e ${result.engineOverUppyWithSameIntegrityWork}`,
    );
    console.log(
      `(b′) raw parts with their CRC32C ${result.rawPartsWithCrc32cMiBps} MiB/s; ` +
        `c/b with storage's completion ${result.engineOverRawPartsWithCompletion}; CPU s/GiB (c)/(d) ` +
        `${round(result.cpuSecondsPerGiB.engine!.total / result.cpuSecondsPerGiB.uppy!.total, 2)}; ` +
        `first PUT ${result.engineMarksMs.firstPut} ms, first bytes ${result.engineMarksMs.firstBytes} ms (max ${result.engineMarksMs.firstBytesMax}); ` +
        `main-thread lag ${JSON.stringify(result.mainThreadLag)}`,
    );
    console.log("CPU seconds per GiB (median run; set-up such as making the job included):");
    for (const mode of MODES) console.log(`  ${mode.padEnd(6)} ${JSON.stringify(result.cpuSecondsPerGiB[mode])}`);
    reportResult("uploadThroughput", result);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
