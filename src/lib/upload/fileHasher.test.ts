import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createFileHasher, InProcessFileHasher, WorkerFileHasher, type Sha256Worker } from "./fileHasher";
import { answerSha256Request, type Sha256WorkerReply, type Sha256WorkerRequest } from "./sha256WorkerProtocol";
import { randomFile } from "./testing/seededRandom";

const sha256Hex = async (blob: Blob) => createHash("sha256").update(new Uint8Array(await blob.arrayBuffer())).digest("hex");

/** Runs the real worker-side handler in-process, with a worker's asynchronous messaging. */
class InProcessWorker implements Sha256Worker {
  onmessage: ((event: MessageEvent<Sha256WorkerReply>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  terminated = false;

  /** "fail to start": the script never runs; "garble reply": its reply cannot be deserialized. */
  constructor(private readonly fault: "fail to start" | "garble reply" | null = null) {}

  postMessage(request: Sha256WorkerRequest): void {
    if (this.fault === "fail to start") {
      setTimeout(() => this.onerror?.({ preventDefault() {} } as ErrorEvent), 0);
      return;
    }
    void answerSha256Request(request).then((reply) => {
      if (this.terminated) return;
      if (this.fault === "garble reply") this.onmessageerror?.({ data: null } as MessageEvent);
      else this.onmessage?.({ data: reply } as MessageEvent<Sha256WorkerReply>);
    });
  }

  terminate(): void {
    this.terminated = true;
  }
}

describe("InProcessFileHasher", () => {
  it.each([0, 1, 63, 64, 65, 4095, 4096, 4097, 100_000])("matches node:crypto for %i bytes read in 4 KiB chunks", async (size) => {
    const file = randomFile(size, size + 1);
    await expect(new InProcessFileHasher(4096).sha256Hex(file)).resolves.toBe(await sha256Hex(file));
  });

  it("hashes a slice (the first part) without reading the rest", async () => {
    const file = randomFile(10_000, 5);
    const firstPart = file.slice(0, 3000);
    await expect(new InProcessFileHasher(1000).sha256Hex(firstPart)).resolves.toBe(await sha256Hex(firstPart));
  });

  it("rejects with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const hashing = new InProcessFileHasher(10).sha256Hex(randomFile(10_000, 6), { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(hashing).rejects.toThrow("stop");
  });
});

describe("WorkerFileHasher", () => {
  it("hashes through the worker protocol and terminates the worker", async () => {
    const worker = new InProcessWorker();
    const file = randomFile(50_000, 7);
    await expect(new WorkerFileHasher(() => worker, undefined, 4096).sha256Hex(file)).resolves.toBe(await sha256Hex(file));
    expect(worker.terminated).toBe(true);
  });

  it("passes a read failure on as file_unreadable", async () => {
    const unreadable = { size: 10, slice: () => unreadable, arrayBuffer: () => Promise.reject(new Error("NotReadableError")) };
    const hashing = new WorkerFileHasher(() => new InProcessWorker()).sha256Hex(unreadable as unknown as Blob);
    await expect(hashing).rejects.toMatchObject({ code: "file_unreadable" });
  });

  it("terminates the worker and rejects when aborted", async () => {
    const worker = new InProcessWorker();
    const controller = new AbortController();
    const hashing = new WorkerFileHasher(() => worker).sha256Hex(randomFile(1000, 8), { signal: controller.signal });
    controller.abort(new Error("canceled"));
    await expect(hashing).rejects.toThrow("canceled");
    expect(worker.terminated).toBe(true);
  });

  it("falls back to in-process hashing when the worker cannot start or load", async () => {
    const file = randomFile(5000, 9);
    const expected = await sha256Hex(file);
    await expect(new WorkerFileHasher(() => new InProcessWorker("fail to start")).sha256Hex(file)).resolves.toBe(expected);
    const throwing = () => {
      throw new Error("blocked by CSP");
    };
    await expect(new WorkerFileHasher(throwing).sha256Hex(file)).resolves.toBe(expected);
  });

  it("hashes in-process when the worker's reply cannot be deserialized, and terminates the worker", async () => {
    const worker = new InProcessWorker("garble reply");
    const file = randomFile(5000, 10);
    await expect(new WorkerFileHasher(() => worker).sha256Hex(file)).resolves.toBe(await sha256Hex(file));
    expect(worker.terminated).toBe(true);
  });
});

describe("createFileHasher", () => {
  it("hashes in-process where there is no Worker (Node)", () => {
    expect(createFileHasher()).toBeInstanceOf(InProcessFileHasher);
  });
});
