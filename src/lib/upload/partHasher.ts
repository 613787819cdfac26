/**
 * Each part's MD5 (signed into its URL as Content-MD5). By default in one Web Worker per upload
 * (`md5Worker.ts`), so the main thread only schedules; in-process, a chunk at a time, where there
 * are no workers, the worker cannot start, or its reply cannot be read (`messageerror`). Both hash
 * with WebAssembly where the page allows it.
 */
import { md5OfBlob, type Md5WorkerReply, type Md5WorkerRequest } from "./md5WorkerProtocol";
import { UploadError } from "./uploadError";

export interface PartHasher {
  /**
   * The MD5 of the blob's bytes; rejects with the signal's reason when it aborts and with
   * `file_unreadable` when the file cannot be read.
   */
  md5(blob: Blob, options: { signal: AbortSignal }): Promise<Uint8Array>;
  /** Releases what the hasher holds (its worker); it may not be used afterwards. */
  dispose(): void;
}

/** Small enough (a few ms of hashing) that the page stays responsive between chunks. */
const IN_PROCESS_CHUNK_BYTES = 1024 * 1024;
/** Off the main thread only memory matters: one default part per read. */
const WORKER_CHUNK_BYTES = 8 * 1024 * 1024;

export class InProcessPartHasher implements PartHasher {
  constructor(private readonly chunkBytes = IN_PROCESS_CHUNK_BYTES) {}

  md5(blob: Blob, { signal }: { signal: AbortSignal }): Promise<Uint8Array> {
    return md5OfBlob(blob, this.chunkBytes, signal);
  }

  dispose(): void {}
}

/** The parts of a Web Worker this hasher uses. */
export interface Md5Worker {
  onmessage: ((event: MessageEvent<Md5WorkerReply>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  /** A reply that could not be deserialized (which request it answered is unknown). */
  onmessageerror: ((event: MessageEvent) => void) | null;
  postMessage(request: Md5WorkerRequest): void;
  terminate(): void;
}

interface PendingRequest {
  blob: Blob;
  signal: AbortSignal;
  resolve(md5: Uint8Array): void;
  reject(error: unknown): void;
}

/** One worker, started on the first part and kept until `dispose()`; every part's MD5 goes through it. */
export class WorkerPartHasher implements PartHasher {
  private worker: Md5Worker | null = null;
  /** Set once the worker could not start: everything goes to the fallback from then on. */
  private workerFailed = false;
  private disposed = false;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();

  constructor(
    private readonly createWorker: () => Md5Worker,
    /** Used when the worker cannot start (blocked by CSP, failed to load). */
    private readonly fallback: PartHasher = new InProcessPartHasher(),
    private readonly chunkBytes = WORKER_CHUNK_BYTES,
  ) {}

  md5(blob: Blob, { signal }: { signal: AbortSignal }): Promise<Uint8Array> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.disposed) return Promise.reject(new Error("The part hasher was disposed"));
    const worker = this.workerFailed ? null : this.startedWorker();
    if (!worker) return this.fallback.md5(blob, { signal });
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => settle(() => reject(signal.reason));
      const settle = (finish: () => void) => {
        signal.removeEventListener("abort", onAbort);
        if (this.pending.delete(id)) finish();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        blob,
        signal,
        resolve: (md5) => settle(() => resolve(md5)),
        reject: (error) => settle(() => reject(error)),
      });
      worker.postMessage({ id, blob, chunkBytes: this.chunkBytes });
    });
  }

  dispose(): void {
    this.disposed = true;
    this.worker?.terminate();
    this.worker = null;
    this.fallback.dispose();
    const pending = [...this.pending.values()];
    for (const request of pending) request.reject(new Error("The part hasher was disposed"));
  }

  private startedWorker(): Md5Worker | null {
    if (this.worker) return this.worker;
    let worker: Md5Worker;
    try {
      worker = this.createWorker();
    } catch {
      this.workerFailed = true;
      return null;
    }
    worker.onmessage = ({ data }) => {
      const request = this.pending.get(data.id);
      if (!request) return;
      if (data.ok) request.resolve(data.md5);
      else request.reject(data.code ? new UploadError(data.code, data.message) : new Error(data.message));
    };
    worker.onerror = (event) => {
      // A worker that fails to load reports it here.
      event.preventDefault();
      this.giveUpOn(worker);
    };
    worker.onmessageerror = () => this.giveUpOn(worker);
    this.worker = worker;
    return worker;
  }

  /** Stops using the worker: the parts it held, and every later one, are hashed in-process. */
  private giveUpOn(worker: Md5Worker): void {
    this.workerFailed = true;
    worker.terminate();
    if (this.worker === worker) this.worker = null;
    for (const request of [...this.pending.values()]) {
      this.fallback.md5(request.blob, { signal: request.signal }).then(request.resolve, request.reject);
    }
  }
}

/** The part hasher for this environment: a module Web Worker when available, else in-process. */
export function createPartHasher(inProcessChunkBytes = IN_PROCESS_CHUNK_BYTES): PartHasher {
  const inProcess = new InProcessPartHasher(inProcessChunkBytes);
  if (typeof Worker === "undefined") return inProcess;
  // Written out in full: bundlers (webpack, Turbopack) recognise exactly this shape and emit the worker chunk.
  return new WorkerPartHasher(() => new Worker(new URL("./md5Worker.ts", import.meta.url), { type: "module" }), inProcess);
}
