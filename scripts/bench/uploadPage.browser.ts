/**
 * The browser half of `uploadThroughput.ts`, bundled by esbuild and loaded in Chromium: the
 * ways of sending the selected file, each timed in the page with its peak JS heap and how long
 * the page's main thread was held up (event-loop lag).
 */
import AwsS3Multipart from "@uppy/aws-s3";
import Uppy from "@uppy/core";
import { ConvexHttpClient } from "convex/browser";
import { getFunctionName } from "convex/server";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { createMD5, createSHA256 } from "hash-wasm";
import { crc32cUpdate } from "../../convex/lib/crc32c";
import { createUpload, Crc32cPartChecksums, XhrPartTransport } from "../../src/lib/upload";
import { createCrc32c } from "../../src/lib/upload/checksums/crc32c";
import { createConvexUploadBackend, expectedPartSize, type ConvexUploadClient } from "../../src/lib/upload/convex/convexUploadBackend";
import { partByteRange } from "../../src/lib/upload/core/partLayout";
import type { SignedPartUrl } from "../../src/lib/upload/core/uploadBackend";

/** What Uppy checks besides the upload itself (see `uploadBench.uppy`). */
export type UppyIntegrity = "none" | "engine";

export type Measured = {
  ms: number;
  peakHeapBytes: number;
  /** The longest the page's main thread was held up (a 20 ms timer's lateness), and the sum of its lateness. */
  maxLagMs: number;
  totalLagMs: number;
  convexCalls?: number;
  phases?: Record<string, number>;
};

declare global {
  interface Performance {
    memory?: { usedJSHeapSize: number };
  }
  interface Window {
    uploadBench: typeof uploadBench;
  }
}

function selectedFile(): File {
  const file = document.querySelector<HTMLInputElement>("#file")!.files?.[0];
  if (!file) throw new Error("no file selected");
  return file;
}

/**
 * Full garbage collections (Chromium runs with `--expose-gc`), with a task in between: buffers
 * an earlier run read are only released after the task that dropped them.
 */
async function collectGarbage(): Promise<void> {
  const { gc } = globalThis as { gc?: () => void };
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
}

/**
 * Times `run` and samples the JS heap every 20 ms while it runs, starting from a collected heap
 * so that what an earlier run left behind is not counted.
 */
async function measure(run: (started: number) => Promise<number | undefined>): Promise<Measured> {
  await collectGarbage();
  const heap = () => performance.memory?.usedJSHeapSize ?? 0;
  let peakHeapBytes = heap();
  let maxLagMs = 0;
  let totalLagMs = 0;
  let lastTick = performance.now();
  const sampler = setInterval(() => {
    peakHeapBytes = Math.max(peakHeapBytes, heap());
    const now = performance.now();
    const lag = Math.max(0, now - lastTick - 20);
    maxLagMs = Math.max(maxLagMs, lag);
    totalLagMs += lag;
    lastTick = now;
  }, 20);
  const started = performance.now();
  try {
    const convexCalls = await run(started);
    return { ms: performance.now() - started, peakHeapBytes: Math.max(peakHeapBytes, heap()), maxLagMs, totalLagMs, convexCalls };
  } finally {
    clearInterval(sampler);
  }
}

const callLog: string[] = [];
let logOrigin = 0;

/** A Convex client for the guest that counts its calls. */
function countingClient(convexUrl: string, token: string): { client: ConvexUploadClient; calls: () => number } {
  const client = new ConvexHttpClient(convexUrl);
  client.setAuth(token);
  let calls = 0;
  type Call = (reference: never, args: never) => Promise<unknown>;
  const counting = (call: Call): Call => (reference, args) => {
    calls++;
    const started = performance.now();
    const name = getFunctionName(reference as never);
    return call(reference, args).finally(() => {
      if (callLog.length < 12) callLog.push(`${name} ${Math.round(started - logOrigin)}→${Math.round(performance.now() - logOrigin)}`);
    });
  };
  const counted = {
    query: counting(client.query.bind(client) as Call),
    mutation: counting(client.mutation.bind(client) as Call),
    action: counting(client.action.bind(client) as Call),
  } as unknown as ConvexUploadClient;
  return { client: counted, calls: () => calls };
}

function put(url: string, body: Blob, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.onload = () =>
      request.status === 200 ? resolve(request.getResponseHeader("etag") ?? "") : reject(new Error(`PUT ${request.status}`));
    request.onerror = () => reject(new Error("PUT network error"));
    request.send(body);
  });
}

/** Each checksum's MiB/s over the file's first `mib` MiB, already in memory (released before the caller goes on). */
async function hashSpeedInMemory(file: File, mib: number): Promise<Record<string, number>> {
  const bytes = new Uint8Array(await file.slice(0, mib * 1024 * 1024).arrayBuffer());
  const speeds: Record<string, number> = {};
  const time = (name: string, update: (chunk: Uint8Array) => void) => {
    const started = performance.now();
    for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) update(bytes.subarray(offset, offset + 1024 * 1024));
    speeds[name] = Math.round(mib / ((performance.now() - started) / 1000));
  };
  for (let round = 0; round < 2; round++) {
    // The second round is the one kept: the first warms up the JIT and compiles the WebAssembly.
    const wasm = await createCrc32c();
    if (wasm.implementation !== "wasm") throw new Error("WebAssembly CRC32C unavailable on the bench page");
    time("crc32c wasm (hash-wasm)", (chunk) => wasm.update(chunk));
    let crc = 0;
    time("crc32c js (convex/lib/crc32c)", (chunk) => (crc = crc32cUpdate(crc, chunk)));
    const md5 = await createMD5();
    time("md5 wasm (before)", (chunk) => md5.update(chunk));
    const sha256 = await createSHA256();
    time("sha256 wasm (before)", (chunk) => sha256.update(chunk));
  }
  return speeds;
}

const uploadBench = {
  /**
   * MiB/s of each checksum on the page's main thread over `mib` MiB of the file already in memory,
   * 1 MiB at a time: CRC32C in WebAssembly (hash-wasm, the engine's) and pure JS (the fallback,
   * convex/lib/crc32c), and the MD5 and SHA-256 (WebAssembly) the engine computed before. Then
   * what the engine really does per part: read an 8 MiB part as a stream and CRC32C it
   * (`Crc32cPartChecksums`), over `mib` MiB of the file.
   */
  async hashSpeed(mib: number): Promise<Record<string, number>> {
    const file = selectedFile();
    const speeds: Record<string, number> = {};
    const checksums = new Crc32cPartChecksums();
    const signal = new AbortController().signal;
    const end = Math.min(file.size, mib * 1024 * 1024);
    const variants: Record<string, (part: Blob) => Promise<unknown>> = {
      "engine per part: stream-read 8 MiB + crc32c": (part) => checksums.crc32c(part, { signal }),
      "for comparison: 8 MiB arrayBuffer + crc32c": async (part) => {
        const hasher = await createCrc32c();
        hasher.update(new Uint8Array(await part.arrayBuffer()));
        return hasher.digest();
      },
    };
    for (const [name, read] of Object.entries(variants)) {
      await collectGarbage();
      const heap = () => performance.memory?.usedJSHeapSize ?? 0;
      let peak = heap();
      const sampler = setInterval(() => (peak = Math.max(peak, heap())), 5);
      const started = performance.now();
      for (let offset = 0; offset < end; offset += 8 * 1024 * 1024) await read(file.slice(offset, Math.min(end, offset + 8 * 1024 * 1024)));
      speeds[name] = Math.round(end / 1024 / 1024 / ((performance.now() - started) / 1000));
      clearInterval(sampler);
      speeds[`${name}: peak heap MiB`] = Math.round(Math.max(peak, heap()) / 1024 / 1024);
    }
    // Last: the file's first `mib` MiB held in memory would otherwise count in the reads' peak heap
    // (V8 frees a large buffer's memory some time after a collection, longer under load).
    return { ...speeds, ...(await hashSpeedInMemory(file, mib)) };
  },

  /**
   * Reads the file's first `mib` MiB into the page, `chunkMiB` at a time (what each hash's read
   * costs), or as one `Blob.stream()` when `chunkMiB` is "stream"; ms.
   */
  async readThrough(mib: number, chunkMiB: number | "stream"): Promise<number> {
    const file = selectedFile();
    const end = Math.min(file.size, mib * 1024 * 1024);
    const started = performance.now();
    if (chunkMiB === "stream") {
      const reader = file.slice(0, end).stream().getReader();
      while (!(await reader.read()).done);
      return performance.now() - started;
    }
    for (let offset = 0; offset < end; offset += chunkMiB * 1024 * 1024) {
      await file.slice(offset, Math.min(end, offset + chunkMiB * 1024 * 1024)).arrayBuffer();
    }
    return performance.now() - started;
  },

  /** (a) One PUT of the whole file to a presigned PutObject URL. */
  singlePut: (url: string) =>
    measure(async () => {
      await put(url, selectedFile());
      return undefined;
    }),

  /** (b) The parts, `concurrency` at a time, to presigned UploadPart URLs (with each part's signed headers); returns the ETags too. */
  async rawParts(urls: string[], partSize: number, concurrency: number, headers: Record<string, string>[] = []) {
    const file = selectedFile();
    const etags: string[] = [];
    const measured = await measure(async () => {
      let next = 0;
      const lane = async () => {
        while (next < urls.length) {
          const index = next++;
          etags[index] = await put(urls[index]!, file.slice(index * partSize, Math.min(file.size, (index + 1) * partSize)), headers[index]);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      return undefined;
    });
    return { ...measured, etags };
  },

  /**
   * (d) Uppy (`@uppy/core` + `@uppy/aws-s3` multipart) over the same Convex functions:
   * createMultipartUpload → prepareUpload, signPart → getUploadPartUrls (batched like the
   * engine: one call signs the part asked for and the next ones, up to `urlBatchSize`),
   * each part's ETag → reportUploadedPart, completeMultipartUpload → completeUpload. Same part
   * size (the server's plan) and concurrency (`limit`). No checksums: Uppy computes none, and
   * storage checks nothing it is not given.
   *
   * With `integrity: "engine"` (e): Uppy doing the engine's integrity work with the engine's own
   * checksums, as an integrator would add it: each part's CRC32C (`Crc32cPartChecksums`, read as
   * the engine reads it) computed in `signPart` from the part Uppy hands over, signed into its
   * URL as `x-amz-checksum-crc32c` (one signing call per part: Uppy gives one part at a time),
   * sent as the URL's headers, and reported with the part.
   */
  async uppy(
    convexUrl: string,
    token: string,
    jobId: string,
    concurrency: number,
    urlBatchSize: number,
    integrity: UppyIntegrity = "none",
  ): Promise<Measured> {
    const file = selectedFile();
    return await measure(async () => {
      const { client, calls } = countingClient(convexUrl, token);
      const id = jobId as Id<"video_jobs">;
      const partSize = expectedPartSize(file.size);
      let partCount = 0;
      const urls = new Map<number, Promise<SignedPartUrl>>();
      const reports: Promise<unknown>[] = [];
      const checksums = integrity === "engine" ? new Crc32cPartChecksums() : null;
      const partChecksums = new Map<number, string>();
      const uppy = new Uppy({ autoProceed: false });
      uppy.use(AwsS3Multipart, {
        shouldUseMultipart: true,
        limit: concurrency,
        retryDelays: [0, 1000, 3000, 5000],
        getChunkSize: () => partSize,
        async createMultipartUpload(uppyFile) {
          const plan = await client.action(api.uploads.prepareUpload, {
            jobId: id,
            file: { name: file.name, size: file.size, type: uppyFile.type ?? file.type, lastModified: file.lastModified },
          });
          if (plan.partSize !== partSize) throw new Error(`the server planned ${plan.partSize}-byte parts, not ${partSize}`);
          partCount = plan.partCount;
          // The server keeps the multipart upload's id and key; the job identifies it.
          return { uploadId: jobId, key: jobId };
        },
        async signPart(_file, { partNumber, body, signal }) {
          if (checksums) {
            const checksumCrc32c = await checksums.crc32c(body, { signal: signal ?? new AbortController().signal });
            partChecksums.set(partNumber, checksumCrc32c);
            const { urls: [signed] } = await client.action(api.uploads.getUploadPartUrls, { jobId: id, parts: [{ partNumber, checksumCrc32c }] });
            return { method: "PUT" as const, url: signed!.url, headers: signed!.headers ?? {} };
          }
          if (!urls.has(partNumber)) {
            const batch: number[] = [];
            for (let n = partNumber; n <= partCount && batch.length < urlBatchSize; n++) if (!urls.has(n)) batch.push(n);
            const signing = client.action(api.uploads.getUploadPartUrls, { jobId: id, parts: batch.map((n) => ({ partNumber: n })) });
            for (const n of batch) urls.set(n, signing.then(({ urls: signed }) => signed.find((u) => u.partNumber === n)!));
          }
          const signed = urls.get(partNumber)!;
          // A retry of this part signs afresh.
          urls.delete(partNumber);
          return signed.then(({ url, headers }) => ({ method: "PUT" as const, url, headers }));
        },
        listParts: () => [],
        async abortMultipartUpload() {
          await client.mutation(api.uploads.abortUpload, { jobId: id });
        },
        async completeMultipartUpload() {
          await Promise.all(reports);
          await client.action(api.uploads.completeUpload, { jobId: id });
          return {};
        },
      });
      uppy.on("s3-multipart:part-uploaded", (_file, { PartNumber, ETag }) => {
        const { start, end } = partByteRange(PartNumber, partSize, file.size);
        const checksumCrc32c = partChecksums.get(PartNumber);
        reports.push(
          client.mutation(api.uploads.reportUploadedPart, {
            jobId: id,
            partNumber: PartNumber,
            etag: ETag,
            size: end - start,
            ...(checksumCrc32c === undefined ? {} : { checksumCrc32c }),
          }),
        );
      });
      uppy.addFile({ name: file.name, type: file.type, data: file });
      const result = await uppy.upload();
      if (!result || result.failed?.length || result.successful?.length !== 1) {
        throw new Error(`Uppy failed: ${result?.failed?.map((f) => String(f.error)).join("; ") ?? "no result"}`);
      }
      uppy.destroy();
      return calls();
    });
  },

  /**
   * (c) The upload engine end to end, as the app runs it (the browser entry's defaults: XHR,
   * CRC32C on the page): plan, part checksums signed into their URLs, PUTs, reports, completion.
   * Marks: when the first PUT was handed to the browser, its first progress event, the last part
   * confirmed (ms from the start).
   */
  async engine(convexUrl: string, token: string, jobId: string, concurrency: number, urlBatchSize: number): Promise<Measured> {
    let phases: Record<string, number> = {};
    const measured = await measure(async (started) => {
      const { client: counted, calls } = countingClient(convexUrl, token);
      callLog.length = 0;
      logOrigin = started;
      const marks: Record<string, number> = {};
      const at = () => Math.round(performance.now() - started);
      const xhr = new XhrPartTransport();
      const upload = createUpload(selectedFile(), jobId, {
        backend: createConvexUploadBackend(counted),
        transport: {
          putPart(request) {
            marks.firstPut ??= at();
            return xhr.putPart(request);
          },
        },
        options: { concurrency, urlBatchSize },
      });
      upload.subscribe((s) => {
        if (s.bytesUploaded > 0) marks.firstBytes ??= at();
        if (s.partsTotal > 0 && s.partsConfirmed === s.partsTotal) marks.partsDone ??= at();
        if (s.status === "completing") marks.completing ??= at();
      });
      await upload.start();
      phases = marks;
      console.log(callLog.join(", "));
      return calls();
    });
    return { ...measured, phases };
  },
};

window.uploadBench = uploadBench;
