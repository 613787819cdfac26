/**
 * The browser half of `uploadThroughput.ts`, bundled by esbuild and loaded in Chromium: the
 * four ways of sending the selected file, each timed in the page with its peak JS heap.
 */
import AwsS3Multipart from "@uppy/aws-s3";
import Uppy from "@uppy/core";
import { ConvexHttpClient } from "convex/browser";
import { getFunctionName } from "convex/server";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { createConvexUploadBackend, expectedPartSize, type ConvexUploadClient } from "../../src/lib/upload/convexUploadBackend";
import { bytesToBase64, bytesToHex } from "../../src/lib/upload/byteEncoding";
import { partByteRange } from "../../src/lib/upload/partLayout";
import type { SignedPartUrl } from "../../src/lib/upload/uploadBackend";
import { createUpload, WorkerFileHasher, WorkerPartHasher } from "../../src/lib/upload";
import { createHasher, type HashAlgorithm } from "../../src/lib/upload/hashers";

/** What Uppy checks besides the upload itself (see `uploadBench.uppy`). */
export type UppyIntegrity = "none" | "engine" | "partSha256";

type Measured = { ms: number; peakHeapBytes: number; convexCalls?: number; phases?: Record<string, number> };

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
  const sampler = setInterval(() => (peakHeapBytes = Math.max(peakHeapBytes, heap())), 20);
  const started = performance.now();
  try {
    const convexCalls = await run(started);
    return { ms: performance.now() - started, peakHeapBytes: Math.max(peakHeapBytes, heap()), convexCalls };
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

const uploadBench = {
  /** MiB/s of each hash implementation on the page's main thread over `mib` MiB of the file, 1 MiB at a time. */
  async hashSpeed(mib: number): Promise<Record<string, number>> {
    const bytes = new Uint8Array(await selectedFile().slice(0, mib * 1024 * 1024).arrayBuffer());
    const speeds: Record<string, number> = {};
    for (const algorithm of ["md5", "sha256"] as HashAlgorithm[]) {
      for (const wasm of [true, false]) {
        const hasher = await createHasher(algorithm, wasm ? undefined : () => Promise.reject(new Error("pure JS")));
        const started = performance.now();
        for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) hasher.update(bytes.subarray(offset, offset + 1024 * 1024));
        hasher.digest();
        speeds[`${algorithm} ${hasher.implementation}`] = Math.round(mib / ((performance.now() - started) / 1000));
      }
    }
    // The part hasher's worker: the first 8 MiB part (worker start included), then 4 more.
    const partHasher = new WorkerPartHasher(() => new Worker("/md5Worker.js", { type: "module" }));
    const signal = new AbortController().signal;
    let mark = performance.now();
    await partHasher.md5(selectedFile().slice(0, 8 * 1024 * 1024), { signal });
    speeds["md5 worker: first 8 MiB part, ms"] = Math.round(performance.now() - mark);
    mark = performance.now();
    for (let part = 1; part <= 4; part++) await partHasher.md5(selectedFile().slice(part * 8 << 20, (part + 1) * 8 << 20), { signal });
    speeds["md5 worker: next 4 parts, MiB/s"] = Math.round(32 / ((performance.now() - mark) / 1000));
    partHasher.dispose();
    const started = performance.now();
    await crypto.subtle.digest("SHA-256", bytes);
    speeds["sha256 WebCrypto (one shot)"] = Math.round(mib / ((performance.now() - started) / 1000));
    return speeds;
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

  /** (b) The parts, `concurrency` at a time, to presigned UploadPart URLs; returns the ETags too. */
  async rawParts(urls: string[], partSize: number, concurrency: number) {
    const file = selectedFile();
    const etags: string[] = [];
    const measured = await measure(async () => {
      let next = 0;
      const lane = async () => {
        while (next < urls.length) {
          const index = next++;
          etags[index] = await put(urls[index]!, file.slice(index * partSize, Math.min(file.size, (index + 1) * partSize)));
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
   * size (the server's plan) and concurrency (`limit`). No Content-MD5 and no SHA-256: Uppy
   * computes no checksums.
   *
   * With `sameIntegrityWork` (e): Uppy doing the engine's integrity work through the engine's own
   * hashers, as an integrator would add it: each part's MD5 (the same MD5 worker) computed in
   * `signPart` from the part Uppy hands over and signed into its URL as Content-MD5 (one signing
   * call per part: Uppy gives one part at a time), each ETag checked against it, and the
   * whole-file SHA-256 (the same SHA-256 worker) recorded before `completeUpload`.
   *
   * With `partSha256` (`--diagnose` only): Uppy plus one WebCrypto SHA-256 of each part, computed
   * in `signPart` and not sent — the client's CPU floor for a per-part `x-amz-checksum-sha256`
   * design (the embedded S3 server could not check the header, and the server signs none).
   */
  async uppy(
    convexUrl: string,
    token: string,
    jobId: string,
    concurrency: number,
    urlBatchSize: number,
    integrity: UppyIntegrity = "none",
  ): Promise<Measured> {
    const sameIntegrityWork = integrity === "engine";
    const file = selectedFile();
    return await measure(async () => {
      const { client, calls } = countingClient(convexUrl, token);
      const id = jobId as Id<"video_jobs">;
      const partSize = expectedPartSize(file.size);
      let partCount = 0;
      const urls = new Map<number, Promise<SignedPartUrl>>();
      const reports: Promise<unknown>[] = [];
      const partHasher = sameIntegrityWork ? new WorkerPartHasher(() => new Worker("/md5Worker.js", { type: "module" })) : null;
      const partMd5Hex = new Map<number, string>();
      const etagMismatches: number[] = [];
      const fileSha256 = sameIntegrityWork
        ? new WorkerFileHasher(() => new Worker("/sha256Worker.js", { type: "module" }))
            .sha256Hex(file)
            .then((sha256) => client.mutation(api.uploads.recordFileSha256, { jobId: id, sha256 }))
        : null;
      fileSha256?.catch(() => {});
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
          if (integrity === "partSha256") await crypto.subtle.digest("SHA-256", await body.arrayBuffer());
          if (partHasher) {
            const md5 = await partHasher.md5(body, { signal: signal ?? new AbortController().signal });
            partMd5Hex.set(partNumber, bytesToHex(md5));
            const contentMd5 = bytesToBase64(md5);
            const { urls: [signed] } = await client.action(api.uploads.getUploadPartUrls, { jobId: id, parts: [{ partNumber, contentMd5 }] });
            return { method: "PUT" as const, url: signed!.url, headers: { ...signed!.headers, "Content-MD5": contentMd5 } };
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
          await Promise.all([...reports, fileSha256]);
          await client.action(api.uploads.completeUpload, { jobId: id });
          return {};
        },
      });
      uppy.on("s3-multipart:part-uploaded", (_file, { PartNumber, ETag }) => {
        const md5Hex = partMd5Hex.get(PartNumber);
        if (md5Hex !== undefined && ETag.replaceAll('"', "") !== md5Hex) etagMismatches.push(PartNumber);
        const { start, end } = partByteRange(PartNumber, partSize, file.size);
        reports.push(client.mutation(api.uploads.reportUploadedPart, { jobId: id, partNumber: PartNumber, etag: ETag, size: end - start }));
      });
      uppy.addFile({ name: file.name, type: file.type, data: file });
      const result = await uppy.upload();
      if (!result || result.failed?.length || result.successful?.length !== 1) {
        throw new Error(`Uppy failed: ${result?.failed?.map((f) => String(f.error)).join("; ") ?? "no result"}`);
      }
      if (etagMismatches.length > 0) throw new Error(`parts ${etagMismatches.join(", ")}: the ETag is not the part's MD5`);
      uppy.destroy();
      partHasher?.dispose();
      return calls();
    });
  },

  /** (c) The upload engine end to end: plan, signed URLs, part PUTs with MD5, reports, SHA-256, completion. */
  async engine(
    convexUrl: string,
    token: string,
    jobId: string,
    concurrency: number,
    urlBatchSize: number,
    /** Diagnosis only (`--diagnose`): the whole-file SHA-256 replaced by a constant, to show what it costs. */
    skipFileSha256 = false,
  ): Promise<Measured> {
    let phases: Record<string, number> = {};
    const measured = await measure(async (started) => {
      const { client: counted, calls } = countingClient(convexUrl, token);
      callLog.length = 0;
      logOrigin = started;
      // Timing marks (ms since start): when each whole-blob SHA-256 ended, when the last part was confirmed.
      const hasher = new WorkerFileHasher(() => new Worker("/sha256Worker.js", { type: "module" }));
      const marks: Record<string, number> = {};
      const at = () => Math.round(performance.now() - started);
      // The app's bundler emits the engine's workers; here the benchmark serves them by name.
      const partHasher = new WorkerPartHasher(() => new Worker("/md5Worker.js", { type: "module" }));
      const upload = createUpload(selectedFile(), jobId, {
        backend: createConvexUploadBackend(counted),
        partHasher,
        fileHasher: {
          async sha256Hex(blob, options) {
            const whole = blob.size === selectedFile().size;
            const hex = skipFileSha256 && whole ? "0".repeat(64) : await hasher.sha256Hex(blob, options);
            marks[whole ? "fileSha256Done" : "fingerprintDone"] = at();
            return hex;
          },
        },
        options: { concurrency, urlBatchSize },
      });
      upload.subscribe((s) => {
        if (s.bytesUploaded > 0) marks.firstBytes ??= at();
        if (s.partsTotal > 0 && s.partsConfirmed === s.partsTotal) marks.partsDone ??= at();
        if (s.status === "completing") marks.completing ??= at();
      });
      try {
        await upload.start();
      } finally {
        partHasher.dispose();
      }
      phases = marks;
      console.log(callLog.join(", "));
      return calls();
    });
    return { ...measured, phases };
  },
};

window.uploadBench = uploadBench;
