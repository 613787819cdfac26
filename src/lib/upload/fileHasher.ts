/**
 * Whole-file SHA-256 without blocking the page: in a Web Worker when the browser has them,
 * otherwise (or when the worker cannot start or its reply cannot be read) in-process in small
 * chunks that yield between reads.
 */
import { sha256OfBlob } from "./blobSha256";
import type { Sha256WorkerReply, Sha256WorkerRequest } from "./sha256WorkerProtocol";
import { UploadError } from "./uploadError";

export interface FileHasher {
  /** Hex SHA-256 of the blob's bytes; rejects with the signal's reason when it aborts. */
  sha256Hex(blob: Blob, options?: { signal?: AbortSignal }): Promise<string>;
}

/** Small enough (≈5 ms of hashing) that the page stays responsive between chunks. */
const IN_PROCESS_CHUNK_BYTES = 1024 * 1024;
/** Off the main thread only memory matters. */
const WORKER_CHUNK_BYTES = 8 * 1024 * 1024;

export class InProcessFileHasher implements FileHasher {
  constructor(private readonly chunkBytes = IN_PROCESS_CHUNK_BYTES) {}

  sha256Hex(blob: Blob, options: { signal?: AbortSignal } = {}): Promise<string> {
    return sha256OfBlob(blob, this.chunkBytes, options.signal);
  }
}

/** The parts of a Web Worker this hasher uses. */
export interface Sha256Worker {
  onmessage: ((event: MessageEvent<Sha256WorkerReply>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  /** A reply that could not be deserialized. */
  onmessageerror: ((event: MessageEvent) => void) | null;
  postMessage(request: Sha256WorkerRequest): void;
  terminate(): void;
}

/** One worker per hash, terminated when it answers or the signal aborts. */
export class WorkerFileHasher implements FileHasher {
  constructor(
    private readonly createWorker: () => Sha256Worker,
    /** Used when the worker cannot start (blocked by CSP, failed to load). */
    private readonly fallback: FileHasher = new InProcessFileHasher(),
    private readonly chunkBytes = WORKER_CHUNK_BYTES,
  ) {}

  sha256Hex(blob: Blob, options: { signal?: AbortSignal } = {}): Promise<string> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let worker: Sha256Worker;
    try {
      worker = this.createWorker();
    } catch {
      return this.fallback.sha256Hex(blob, options);
    }
    return new Promise<string>((resolve, reject) => {
      const finish = () => {
        worker.onmessage = null;
        worker.onerror = null;
        worker.onmessageerror = null;
        worker.terminate();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        finish();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.onmessage = ({ data }) => {
        finish();
        if (data.ok) resolve(data.sha256);
        else reject(data.code ? new UploadError(data.code, data.message) : new Error(data.message));
      };
      const hashInProcess = () => {
        finish();
        this.fallback.sha256Hex(blob, options).then(resolve, reject);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        hashInProcess();
      };
      worker.onmessageerror = hashInProcess;
      worker.postMessage({ blob, chunkBytes: this.chunkBytes });
    });
  }
}

/** The hasher for this environment: a module Web Worker when available, else in-process. */
export function createFileHasher(): FileHasher {
  if (typeof Worker === "undefined") return new InProcessFileHasher();
  // Written out in full: bundlers (webpack, Turbopack) recognise exactly this shape and emit the worker chunk.
  return new WorkerFileHasher(() => new Worker(new URL("./sha256Worker.ts", import.meta.url), { type: "module" }));
}
