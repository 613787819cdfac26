import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { answerMd5Request, type Md5WorkerReply, type Md5WorkerRequest } from "./md5WorkerProtocol";
import { createPartHasher, InProcessPartHasher, WorkerPartHasher, type Md5Worker } from "./partHasher";
import { randomFile } from "./testing/seededRandom";

const md5Hex = async (blob: Blob) => createHash("md5").update(new Uint8Array(await blob.arrayBuffer())).digest("hex");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const live = () => new AbortController().signal;

/** Runs `md5Worker.ts`'s handler in this thread, answering asynchronously and possibly out of order. */
class InProcessMd5Worker implements Md5Worker {
  static created = 0;
  onmessage: ((event: MessageEvent<Md5WorkerReply>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  terminated = false;
  requests: Md5WorkerRequest[] = [];

  /** "fail to load": the script never runs; "garble replies": no reply can be deserialized. */
  constructor(private readonly fault: "fail to load" | "garble replies" | null = null) {
    InProcessMd5Worker.created++;
  }

  postMessage(request: Md5WorkerRequest): void {
    this.requests.push(request);
    if (this.fault === "fail to load") {
      setTimeout(() => this.onerror?.({ preventDefault() {} } as ErrorEvent), 0);
      return;
    }
    // Later requests of smaller blobs may be answered first: replies are matched by id.
    void answerMd5Request(request).then((reply) => {
      if (this.terminated) return;
      if (this.fault === "garble replies") this.onmessageerror?.({ data: null } as MessageEvent);
      else this.onmessage?.({ data: reply } as MessageEvent<Md5WorkerReply>);
    });
  }

  terminate(): void {
    this.terminated = true;
  }
}

describe("answerMd5Request (the worker's side)", () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 4095, 4096, 100_001])("matches node:crypto for %i bytes", async (size) => {
    const blob = randomFile(size, size + 3);
    const reply = await answerMd5Request({ id: 7, blob, chunkBytes: 4096 });
    expect(reply).toMatchObject({ id: 7, ok: true });
    expect(hex((reply as { md5: Uint8Array }).md5)).toBe(await md5Hex(blob));
  });

  it("reports a file that cannot be read as file_unreadable", async () => {
    const unreadable = { size: 10, slice: () => unreadable, arrayBuffer: () => Promise.reject(new Error("NotReadableError")) };
    await expect(answerMd5Request({ id: 1, blob: unreadable as unknown as Blob, chunkBytes: 4 })).resolves.toMatchObject({
      id: 1,
      ok: false,
      code: "file_unreadable",
    });
  });
});

describe("WorkerPartHasher", () => {
  it("hashes every part in one worker, matching each reply to its request", async () => {
    const workers: InProcessMd5Worker[] = [];
    const hasher = new WorkerPartHasher(() => {
      const worker = new InProcessMd5Worker();
      workers.push(worker);
      return worker;
    });
    const file = randomFile(50_000, 21);
    const parts = [file.slice(0, 30_000), file.slice(30_000, 31_000), file.slice(31_000)];
    const digests = await Promise.all(parts.map((part) => hasher.md5(part, { signal: live() })));
    for (const [i, part] of parts.entries()) expect(hex(digests[i]!)).toBe(await md5Hex(part));
    expect(workers).toHaveLength(1);
    expect(workers[0]!.requests.map((r) => r.id)).toEqual([1, 2, 3]);
    hasher.dispose();
    expect(workers[0]!.terminated).toBe(true);
  });

  it("hashes in-process when the worker fails to load, including the parts it was given", async () => {
    const hasher = new WorkerPartHasher(() => new InProcessMd5Worker("fail to load"), new InProcessPartHasher(1000));
    const file = randomFile(5000, 22);
    const [a, b] = await Promise.all([hasher.md5(file.slice(0, 2500), { signal: live() }), hasher.md5(file.slice(2500), { signal: live() })]);
    expect(hex(a)).toBe(await md5Hex(file.slice(0, 2500)));
    expect(hex(b)).toBe(await md5Hex(file.slice(2500)));
    const before = InProcessMd5Worker.created;
    await hasher.md5(file, { signal: live() });
    expect(InProcessMd5Worker.created).toBe(before);
  });

  it("hashes in-process, from the parts it was given on, once a reply cannot be deserialized", async () => {
    const workers: InProcessMd5Worker[] = [];
    const hasher = new WorkerPartHasher(() => {
      const worker = new InProcessMd5Worker("garble replies");
      workers.push(worker);
      return worker;
    }, new InProcessPartHasher(1000));
    const file = randomFile(6000, 28);
    const parts = [file.slice(0, 2000), file.slice(2000, 4000), file.slice(4000)];
    const digests = await Promise.all(parts.map((part) => hasher.md5(part, { signal: live() })));
    for (const [i, part] of parts.entries()) expect(hex(digests[i]!)).toBe(await md5Hex(part));
    expect(workers).toHaveLength(1);
    expect(workers[0]!.terminated).toBe(true);
    expect(hex(await hasher.md5(file, { signal: live() }))).toBe(await md5Hex(file));
    expect(workers).toHaveLength(1);
    expect(workers[0]!.requests).toHaveLength(3);
  });

  it("hashes in-process when no worker can be created", async () => {
    const hasher = new WorkerPartHasher(() => {
      throw new Error("blocked by CSP");
    });
    const file = randomFile(3000, 23);
    expect(hex(await hasher.md5(file, { signal: live() }))).toBe(await md5Hex(file));
  });

  it("rejects with the signal's reason when the upload ends, and after dispose", async () => {
    const hasher = new WorkerPartHasher(() => new InProcessMd5Worker());
    const controller = new AbortController();
    const pending = hasher.md5(randomFile(100_000, 24), { signal: controller.signal });
    controller.abort(new Error("canceled"));
    await expect(pending).rejects.toThrow("canceled");
    await expect(hasher.md5(randomFile(10, 25), { signal: controller.signal })).rejects.toThrow("canceled");
    hasher.dispose();
    await expect(hasher.md5(randomFile(10, 26), { signal: live() })).rejects.toThrow("disposed");
  });

  it("passes the worker's file_unreadable on as an UploadError", async () => {
    const hasher = new WorkerPartHasher(() => new InProcessMd5Worker());
    const unreadable = { size: 10, slice: () => unreadable, arrayBuffer: () => Promise.reject(new Error("NotReadableError")) };
    await expect(hasher.md5(unreadable as unknown as Blob, { signal: live() })).rejects.toMatchObject({ code: "file_unreadable" });
  });
});

describe("createPartHasher", () => {
  it("hashes in-process where there are no Web Workers", async () => {
    const hasher = createPartHasher();
    expect(hasher).toBeInstanceOf(InProcessPartHasher);
    const file = randomFile(3_000_000, 27);
    expect(hex(await hasher.md5(file, { signal: live() }))).toBe(await md5Hex(file));
  });
});
