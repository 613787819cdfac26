/**
 * Upload throughput in Chromium against the local stack's embedded S3 server:
 *   (a) one XHR PUT of the whole file to a presigned PutObject URL,
 *   (b) raw parallel part PUTs to presigned UploadPart URLs (the server's part size, 4 at once),
 *   (c) the upload engine (`src/lib/upload`) end to end through the Convex functions.
 * Same file (generated on disk and selected in an <input type=file>), part size and concurrency;
 * runs alternate the order; medians. Reports MiB/s, c/a and c/b, Convex calls per GiB and the
 * page's peak JS heap (`performance.memory`, precise). (d) Uppy is not installed: not measured.
 *
 *   tsx scripts/bench/uploadThroughput.ts [--mib 256] [--runs 3]
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { chromium } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { build } from "esbuild";
import { api } from "../../convex/_generated/api";
import { computePartPlan, MiB } from "../../convex/lib/partPlan";
import { RIGHTS_STATEMENT } from "../../convex/lib/rightsStatement";
import { createS3Client } from "../../convex/model/s3Client";
import { waitForStatus } from "../../modal/worker/testing/localStack";
import { startDevStack } from "../dev/devStack";
import { EMBEDDED_S3_CREDENTIALS } from "../s3/embeddedS3";
import { median, numberArg, reportResult, round } from "./benchSupport";

const SIZE_MIB = numberArg("mib", 256);
const RUNS = numberArg("runs", 3);
const CONCURRENCY = 4;
const MODES = ["single", "parts", "engine"] as const;
type Mode = (typeof MODES)[number];
type Measured = { ms: number; peakHeapBytes: number; convexCalls?: number };

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

/** The page and its two scripts, at the origin the storage's CORS rule allows. */
async function servePage(port: number): Promise<Server> {
  const files: Record<string, [string, string]> = {
    "/": ["text/html", '<!doctype html><input type="file" id="file"><script type="module" src="/page.js"></script>'],
    "/page.js": ["text/javascript", await bundle("scripts/bench/uploadPage.browser.ts")],
    "/sha256Worker.js": ["text/javascript", await bundle("src/lib/upload/sha256Worker.ts")],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ""];
    response.writeHead(file ? 200 : 404, { "content-type": file?.[0] ?? "text/plain" }).end(file?.[1] ?? "");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

async function writeTestFile(filePath: string, bytes: number): Promise<void> {
  const handle = await open(filePath, "w");
  try {
    for (let written = 0; written < bytes; written += MiB) await handle.write(randomBytes(Math.min(MiB, bytes - written)));
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
    functionEnv: { OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed" },
    log: (line) => log.push(line),
  });
  const server = await servePage(appPort);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--enable-precise-memory-info"],
  });
  try {
    const size = SIZE_MIB * MiB;
    const filePath = path.join(dir, "bench.mp4");
    await writeTestFile(filePath, size);
    const { partSize, partCount } = computePartPlan(size);
    const { convexUrl, s3Endpoint, bucket } = stack.endpoints;
    const s3 = createS3Client({ endpoint: s3Endpoint, bucket, ...EMBEDDED_S3_CREDENTIALS });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${appPort}/`);
    await page.waitForFunction(() => "uploadBench" in window);
    await page.setInputFiles("#file", filePath);

    const guest = new ConvexHttpClient(convexUrl);
    const signIn = (await guest.action(api.auth.signIn, { provider: "anonymous" })) as { tokens?: { token: string } | null };
    const token = signIn.tokens!.token;
    guest.setAuth(token);

    const runMode: Record<Mode, (run: number) => Promise<Measured>> = {
      async single(run) {
        const Key = `bench/single-${run}`;
        const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key }), { expiresIn: 3600 });
        const measured = await page.evaluate((u) => window.uploadBench.singlePut(u), url);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        if (head.ContentLength !== size) throw new Error(`single PUT stored ${head.ContentLength} bytes`);
        return measured;
      },
      async parts(run) {
        const Key = `bench/parts-${run}`;
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
        const urls = await Promise.all(
          Array.from({ length: partCount }, (_, i) =>
            getSignedUrl(s3, new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1 }), { expiresIn: 3600 }),
          ),
        );
        const { etags, ...measured } = await page.evaluate(
          ([u, p, c]) => window.uploadBench.rawParts(u, p, c),
          [urls, partSize, CONCURRENCY] as const,
        );
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        );
        return measured;
      },
      async engine() {
        const { jobId } = await guest.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://youtu.be/dQw4w9WgXcQ" });
        await waitForStatus(guest, jobId, ["META_READY"]);
        await guest.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version });
        const measured = await page.evaluate(
          ([u, t, j, c]) => window.uploadBench.engine(u, t, j, c),
          [convexUrl, token, jobId, CONCURRENCY] as const,
        );
        const job = await guest.query(api.jobs.get, { jobId });
        if (job?.status !== "UPLOADED" && job?.status !== "PROCESSING") throw new Error(`engine upload left the job ${job?.status}`);
        return measured;
      },
    };

    const results: Record<Mode, Measured[]> = { single: [], parts: [], engine: [] };
    for (let run = 0; run < RUNS; run++) {
      const order = MODES.map((_, i) => MODES[(i + run) % MODES.length]!);
      for (const mode of order) results[mode].push(await runMode[mode](run));
      console.log(
        `run ${run + 1}: ` + MODES.map((m) => `${m} ${round(SIZE_MIB / (results[m].at(-1)!.ms / 1000), 1)} MiB/s`).join(", "),
      );
    }

    const mibPerSecond = (mode: Mode) => round(SIZE_MIB / (median(results[mode].map((r) => r.ms)) / 1000), 1);
    const peakHeapMiB = (mode: Mode) => round(Math.max(...results[mode].map((r) => r.peakHeapBytes)) / MiB, 1);
    const a = mibPerSecond("single");
    const b = mibPerSecond("parts");
    const c = mibPerSecond("engine");
    const calls = median(results.engine.map((r) => r.convexCalls ?? 0));
    const result = {
      fileMiB: SIZE_MIB,
      runs: RUNS,
      partSizeMiB: partSize / MiB,
      partCount,
      concurrency: CONCURRENCY,
      storage: "embedded S3 (@20minutes/s3rver) on 127.0.0.1",
      singlePutMiBps: a,
      rawPartsMiBps: b,
      engineMiBps: c,
      engineOverSinglePut: round(c / a, 2),
      engineOverRawParts: round(c / b, 2),
      convexCallsPerUpload: calls,
      convexCallsPerGiB: round((calls * 1024) / SIZE_MIB, 0),
      peakHeapMiB: { single: peakHeapMiB("single"), parts: peakHeapMiB("parts"), engine: peakHeapMiB("engine") },
      uppy: "not measured (not installed)",
    };
    console.log(`(a) ${a} MiB/s, (b) ${b} MiB/s, (c) ${c} MiB/s; c/a ${result.engineOverSinglePut}, c/b ${result.engineOverRawParts}`);
    reportResult("uploadThroughput", result);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
