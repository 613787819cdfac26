import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createObservedFileHasher, type HashingPath } from "./observedFileHasher";
import { answerSha256Request, type Sha256WorkerRequest } from "./sha256WorkerProtocol";

const bytes = new TextEncoder().encode("reeldrop ".repeat(1000));
const expected = createHash("sha256").update(bytes).digest("hex");

/** Answers like `sha256Worker.ts`, in this thread. */
class AnsweringWorker {
  static created: unknown[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { preventDefault(): void }) => void) | null = null;
  constructor(url: URL, options: unknown) {
    AnsweringWorker.created.push({ url: url.href, options });
  }
  postMessage(request: Sha256WorkerRequest) {
    void answerSha256Request(request).then((data) => this.onmessage?.({ data }));
  }
  terminate() {}
}

/** A worker whose script fails to load. */
class BrokenWorker extends AnsweringWorker {
  override postMessage() {
    queueMicrotask(() => this.onerror?.({ preventDefault() {} }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  AnsweringWorker.created = [];
});

async function hashWith(): Promise<{ hex: string; paths: HashingPath[] }> {
  const paths: HashingPath[] = [];
  const hex = await createObservedFileHasher((path) => paths.push(path)).sha256Hex(new Blob([bytes]));
  return { hex, paths };
}

describe("createObservedFileHasher", () => {
  it("reports the worker when the engine's worker answered", async () => {
    vi.stubGlobal("Worker", AnsweringWorker);
    expect(await hashWith()).toEqual({ hex: expected, paths: ["worker"] });
    expect(AnsweringWorker.created).toEqual([
      { url: expect.stringMatching(/\/sha256Worker\.ts$/), options: { type: "module" } },
    ]);
  });

  it("reports the main thread when the worker could not load", async () => {
    vi.stubGlobal("Worker", BrokenWorker);
    expect(await hashWith()).toEqual({ hex: expected, paths: ["in-process"] });
  });

  it("reports the main thread where there are no workers", async () => {
    vi.stubGlobal("Worker", undefined);
    expect(await hashWith()).toEqual({ hex: expected, paths: ["in-process"] });
  });
});
