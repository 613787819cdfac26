/**
 * The browser half of `uploadThroughput.ts`, bundled by esbuild and loaded in Chromium: the
 * three ways of sending the selected file, each timed in the page with its peak JS heap.
 */
import { ConvexHttpClient } from "convex/browser";
import { createConvexUploadBackend, type ConvexUploadClient } from "../../src/lib/upload/convexUploadBackend";
import { createUpload, WorkerFileHasher } from "../../src/lib/upload";

type Measured = { ms: number; peakHeapBytes: number; convexCalls?: number };

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

/** Times `run` and samples the JS heap every 20 ms while it runs. */
async function measure(run: () => Promise<number | undefined>): Promise<Measured> {
  const heap = () => performance.memory?.usedJSHeapSize ?? 0;
  let peakHeapBytes = heap();
  const sampler = setInterval(() => (peakHeapBytes = Math.max(peakHeapBytes, heap())), 20);
  const started = performance.now();
  try {
    const convexCalls = await run();
    return { ms: performance.now() - started, peakHeapBytes: Math.max(peakHeapBytes, heap()), convexCalls };
  } finally {
    clearInterval(sampler);
  }
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

  /** (c) The upload engine end to end: plan, signed URLs, part PUTs with MD5, reports, SHA-256, completion. */
  engine: (convexUrl: string, token: string, jobId: string, concurrency: number) =>
    measure(async () => {
      const client = new ConvexHttpClient(convexUrl);
      client.setAuth(token);
      let calls = 0;
      type Call = (reference: never, args: never) => Promise<unknown>;
      const counting = (call: Call): Call => (reference, args) => {
        calls++;
        return call(reference, args);
      };
      const counted = {
        query: counting(client.query.bind(client) as Call),
        mutation: counting(client.mutation.bind(client) as Call),
        action: counting(client.action.bind(client) as Call),
      } as unknown as ConvexUploadClient;
      const upload = createUpload(selectedFile(), jobId, {
        backend: createConvexUploadBackend(counted),
        fileHasher: new WorkerFileHasher(() => new Worker("/sha256Worker.js", { type: "module" })),
        options: { concurrency },
      });
      await upload.start();
      return calls;
    }),
};

window.uploadBench = uploadBench;
