import { describe, expect, it, vi } from "vitest";
import { sleep } from "./abortable";
import { Crc32cPartChecksums } from "../checksums/crc32cPartChecksums";
import { DEFAULT_UPLOAD_OPTIONS, type UploadOptions } from "./options";
import type { PartChecksums } from "./partChecksums";
import { createUpload, resumeUpload, type ResumableUpload, type UploadSnapshot } from "./resumableUpload";
import { checksumOf, FakeStorage, FakeUploadBackend, type FakeSession } from "../testing/fakeStorage";
import { FaultInjectingTransport, type Fault, type FaultPlan } from "../testing/faultInjectingTransport";
import type { PartTransport } from "./partTransport";
import { ManualNetworkStatus } from "../testing/manualNetworkStatus";
import { mixedSeed, randomFile, seededRandom } from "../testing/seededRandom";
import { UploadError } from "./uploadError";

const JOB_ID = "job-1";
const PART_SIZE = 1024;

/** Tiny delays so every fault plays out in milliseconds; stall tests shorten the stall timeout. */
const FAST: Partial<UploadOptions> = { retryDelaysMs: [0, 2, 5], stallTimeoutMs: 2_000 };
const QUICK_STALL: Partial<UploadOptions> = { stallTimeoutMs: 40 };

interface HarnessSetup {
  parts?: number;
  /** Bytes past the last full part. */
  tail?: number;
  faults?: FaultPlan;
  options?: Partial<UploadOptions>;
  urlTtlMs?: number;
  /** How far the browser's clock is ahead of the server's and storage's (negative: behind). */
  browserClockAheadMs?: number;
  announcedPartSize?: number;
  session?: (file: File) => FakeSession | null;
  checksums?: PartChecksums;
  file?: File;
  mode?: "fresh" | "resume";
  seed?: number;
}

function harness(setup: HarnessSetup = {}) {
  let clockSkewMs = 0;
  const now = () => Date.now() + clockSkewMs;
  const parts = setup.parts ?? 10;
  const file = setup.file ?? randomFile(parts * PART_SIZE + (setup.tail ?? 300), setup.seed ?? 1);
  const storage = new FakeStorage(now);
  const backend = new FakeUploadBackend({
    storage,
    partSize: PART_SIZE,
    urlTtlMs: setup.urlTtlMs,
    announcedPartSize: setup.announcedPartSize,
    session: setup.session?.(file),
  });
  const network = new ManualNetworkStatus();
  const transport = new FaultInjectingTransport(storage, setup.faults, network);
  const dependencies = {
    backend,
    transport,
    checksums: setup.checksums ?? new Crc32cPartChecksums(),
    networkStatus: network,
    now,
    random: seededRandom(setup.seed ?? 1),
    options: { ...FAST, ...setup.options },
    ...(setup.browserClockAheadMs === undefined ? {} : { now: () => now() + setup.browserClockAheadMs! }),
  };
  const upload = (setup.mode === "resume" ? resumeUpload : createUpload)(file, JOB_ID, dependencies);
  const snapshots: UploadSnapshot[] = [];
  upload.subscribe((snapshot) => snapshots.push(snapshot));
  return {
    file,
    storage,
    backend,
    network,
    transport,
    upload,
    snapshots,
    advanceClock: (ms: number) => {
      clockSkewMs += ms;
    },
  };
}

type Harness = ReturnType<typeof harness>;

async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Each part's bytes, as the plan of `PART_SIZE`-byte parts cuts them. */
function partBytes(bytes: Uint8Array, partNumber: number): Uint8Array {
  return bytes.subarray((partNumber - 1) * PART_SIZE, partNumber * PART_SIZE);
}

/** Counts the checksums computed (n-th call: `onCall(n)` may hold or alter it), over the real CRC32C. */
function countingChecksums(
  onCall: (call: number, checksum: () => Promise<string>) => Promise<string> = (_, checksum) => checksum(),
): { calls: number; checksums: PartChecksums } {
  const inner = new Crc32cPartChecksums();
  const counter: { calls: number; checksums: PartChecksums } = {
    calls: 0,
    checksums: {
      crc32c(blob: Blob, options: { signal: AbortSignal }): Promise<string> {
        const call = ++counter.calls;
        return onCall(call, () => inner.crc32c(blob, options));
      },
    },
  };
  return counter;
}

/** A checksum with its first byte's lowest bit flipped: well-formed, but not the part's. */
function wrongChecksum(checksum: string): string {
  const bytes = Buffer.from(checksum, "base64");
  bytes[0] = bytes[0]! ^ 1;
  return bytes.toString("base64");
}

/** Progress only ever grows, never passes the total, and percent follows. */
function expectMonotonicProgress(snapshots: readonly UploadSnapshot[]): void {
  for (let i = 1; i < snapshots.length; i++) {
    const before = snapshots[i - 1]!;
    const after = snapshots[i]!;
    expect(after.bytesUploaded, `snapshot ${i}`).toBeGreaterThanOrEqual(before.bytesUploaded);
    expect(after.bytesConfirmed, `snapshot ${i}`).toBeGreaterThanOrEqual(before.bytesConfirmed);
    expect(after.percent, `snapshot ${i}`).toBeGreaterThanOrEqual(before.percent);
    expect(after.bytesUploaded).toBeLessThanOrEqual(after.bytesTotal);
  }
}

/**
 * The object storage assembled is the file, every part was reported exactly once with its own
 * CRC32C, and the upload completed once.
 */
async function expectCompleted(h: Harness): Promise<void> {
  const bytes = await fileBytes(h.file);
  expect(h.backend.completedObject).not.toBeNull();
  expect(Buffer.from(h.backend.completedObject!).equals(Buffer.from(bytes))).toBe(true);
  const partCount = Math.ceil(h.file.size / PART_SIZE);
  for (let partNumber = 1; partNumber <= partCount; partNumber++) {
    expect(Buffer.from(h.storage.parts.get(partNumber)!.bytes).equals(Buffer.from(partBytes(bytes, partNumber)))).toBe(true);
  }
  for (const [partNumber, count] of h.backend.reportCounts) expect(count, `reports of part ${partNumber}`).toBe(1);
  for (const call of h.backend.callsTo("reportUploadedPart")) {
    const { partNumber, checksumCrc32c } = call.args as { partNumber: number; checksumCrc32c: string };
    expect(checksumCrc32c, `checksum reported for part ${partNumber}`).toBe(checksumOf(partBytes(bytes, partNumber)));
  }
  const methods = h.backend.calls.map((call) => call.method);
  expect(methods.filter((method) => method === "completeUpload")).toHaveLength(1);
  const last = h.snapshots.at(-1)!;
  expect(last.status).toBe("done");
  expect(last.percent).toBe(100);
  expect(last.bytesConfirmed).toBe(h.file.size);
  expect(last.partsConfirmed).toBe(partCount);
  expectMonotonicProgress(h.snapshots);
}

async function expectFailure(h: Harness, code: UploadError["code"]): Promise<UploadError> {
  const error = await h.upload.start().then(
    () => {
      throw new Error("expected the upload to fail");
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(UploadError);
  const uploadError = error as UploadError;
  expect(uploadError.code, uploadError.message).toBe(code);
  expect(uploadError.message.length).toBeGreaterThan(10);
  expect(h.upload.getSnapshot().status).toBe(code === "canceled" ? "canceled" : "failed");
  expect(h.upload.getSnapshot().error).toBe(uploadError);
  expect(h.backend.completedObject).toBeNull();
  expectMonotonicProgress(h.snapshots);
  return uploadError;
}

function onPart(partNumber: number, fault: Fault, attempts: number | "always" = 1): FaultPlan {
  return (request) =>
    request.partNumber === partNumber && (attempts === "always" || request.attempt <= attempts) ? fault : null;
}

/** Resolves at the first snapshot matching `predicate`, outside the emitting call. */
function when(upload: ResumableUpload, predicate: (snapshot: UploadSnapshot) => boolean): Promise<UploadSnapshot> {
  return new Promise((resolve) => {
    const unsubscribe = upload.subscribe((snapshot) => {
      if (!predicate(snapshot)) return;
      unsubscribe();
      setTimeout(() => resolve(snapshot), 0);
    });
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The part a URL signed by `FakeUploadBackend` is for. */
const partOfUrl = (url: string) => Number(new URL(url).searchParams.get("partNumber"));

/** A PUT that never answers and never reports progress: it ends, rejecting, only when its signal aborts. */
function hangUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

/**
 * The same file, recording the size of every read that materializes bytes (`arrayBuffer`,
 * `text`, `bytes`, `stream`) on it or on any slice of it.
 */
function recordingReads(file: File, reads: number[]): File {
  class RecordingFile extends File {
    override slice(start?: number, end?: number, contentType?: string): Blob {
      return new RecordingFile([super.slice(start, end, contentType)], this.name, { type: this.type, lastModified: this.lastModified });
    }
    override arrayBuffer(): Promise<ArrayBuffer> {
      reads.push(this.size);
      return super.arrayBuffer();
    }
    override text(): Promise<string> {
      reads.push(this.size);
      return super.text();
    }
    override bytes(): Promise<Uint8Array<ArrayBuffer>> {
      reads.push(this.size);
      return super.bytes();
    }
    override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
      reads.push(this.size);
      return super.stream();
    }
  }
  return new RecordingFile([file], file.name, { type: file.type, lastModified: file.lastModified });
}

/** The same file, except that reading any of it from `offset` on fails, as when the file changed on disk. */
function unreadableFrom(file: File, offset: number): File {
  const unreadable = new File([file], file.name, { type: file.type, lastModified: file.lastModified });
  const slice = unreadable.slice.bind(unreadable);
  unreadable.slice = (start = 0, end = file.size, contentType) => {
    const blob = slice(start, end, contentType);
    if (end <= offset) return blob;
    const notReadable = () => new DOMException("The file changed on disk", "NotReadableError");
    blob.stream = () => new ReadableStream({ pull: (controller) => controller.error(notReadable()) });
    blob.arrayBuffer = () => Promise.reject(notReadable());
    return blob;
  };
  return unreadable;
}

describe("ResumableUpload: the happy path", { timeout: 10_000 }, () => {
  it("never reads the file whole: each read holds at most a part", async () => {
    const reads: number[] = [];
    const file = recordingReads(randomFile(30 * PART_SIZE + 300, 7), reads);
    const h = harness({ file });
    await h.upload.start();
    const largestRead = Math.max(...reads);
    await expectCompleted(h);
    // Each part is read once for its checksum; sending reads it again (in the fake transport).
    expect(reads.length).toBeGreaterThanOrEqual(2 * 31);
    expect(largestRead).toBeLessThanOrEqual(PART_SIZE);
  });

  it("uploads every part exactly once, each PUT once", async () => {
    const h = harness({ parts: 12 });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.totalAttempts).toBe(13);
    const statuses = [...new Set(h.snapshots.map((snapshot) => snapshot.status))];
    expect(statuses).toEqual(["preparing", "uploading", "completing", "done"]);
  });

  it("sends the first part's CRC32C as the fingerprint and the first parts' checksums with prepareUpload, whose URLs it uses", async () => {
    const h = harness({ parts: 9 });
    await h.upload.start();
    await expectCompleted(h);
    const bytes = await fileBytes(h.file);
    const prepare = h.backend.callsTo("prepareUpload")[0]!.args as { file: Record<string, unknown>; parts: unknown[] };
    expect(prepare.file).toEqual({
      name: h.file.name,
      size: h.file.size,
      type: "video/mp4",
      lastModified: h.file.lastModified,
      firstPartCrc32c: checksumOf(partBytes(bytes, 1)),
    });
    expect(prepare.parts).toEqual([1, 2, 3, 4].map((partNumber) => ({ partNumber, checksumCrc32c: checksumOf(partBytes(bytes, partNumber)) })));
    expect(h.backend.calls[0]!.method).toBe("prepareUpload");
    // Parts 1–4 went with the URLs signed with the plan; only the other six were signed later.
    const signedLater = h.backend.callsTo("getUploadPartUrls").flatMap((call) => (call.args as { parts: { partNumber: number }[] }).parts.map((part) => part.partNumber));
    expect(signedLater.sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it("computes the first parts' checksums before prepareUpload and the next ones while it is in flight, each once", async () => {
    let planKnown = false;
    let computedBeforePlan = 0;
    const counter = countingChecksums((_, checksum) => {
      if (!planKnown) computedBeforePlan += 1;
      return checksum();
    });
    const h = harness({ parts: 10, checksums: counter.checksums });
    let releasePlan!: () => void;
    const planHeld = new Promise<void>((resolve) => (releasePlan = resolve));
    const prepareUpload = h.backend.prepareUpload.bind(h.backend);
    h.backend.prepareUpload = async (args) => {
      expect(args.parts).toHaveLength(DEFAULT_UPLOAD_OPTIONS.concurrency);
      await planHeld;
      planKnown = true;
      return prepareUpload(args);
    };
    const done = h.upload.start();
    await vi.waitFor(() => expect(computedBeforePlan).toBe(2 * DEFAULT_UPLOAD_OPTIONS.concurrency));
    expect(h.transport.totalAttempts).toBe(0);
    releasePlan();
    await done;
    await expectCompleted(h);
    expect(counter.calls).toBe(11);
  });

  it("signs the parts checksummed so far when workers run out of URLs, instead of waiting for a whole batch", async () => {
    // The n-th checksum is part n's. Parts 1–4 are computed at once and signed with the plan;
    // 5–9 only once the first PUT has started (so a signing call that did not wait for a worker
    // to run out of URLs finds them not computed); 10 onwards only when the test lets them. The
    // PUTs of parts 1–4 finish only after 5–9 are computed, so when the first worker runs out of
    // URLs exactly 5–9 are ready, and the first signing call must sign exactly those.
    let firstPutStarted!: () => void;
    const putsStarted = new Promise<void>((resolve) => (firstPutStarted = resolve));
    let fiveToNineDone!: () => void;
    const secondGroupDone = new Promise<void>((resolve) => (fiveToNineDone = resolve));
    let releaseRest!: () => void;
    const rest = new Promise<void>((resolve) => (releaseRest = resolve));
    const counter = countingChecksums(async (call, checksum) => {
      if (call >= 10) await rest;
      else if (call >= 5) await putsStarted;
      const value = await checksum();
      if (call === 9) fiveToNineDone();
      return value;
    });
    const h = harness({ parts: 40, checksums: counter.checksums });
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = async (request) => {
      firstPutStarted();
      await secondGroupDone;
      return putPart(request);
    };
    const done = h.upload.start();
    await vi.waitFor(() => expect(h.transport.totalAttempts).toBe(9));
    const signed = h.backend.callsTo("getUploadPartUrls").map((call) => (call.args as { parts: { partNumber: number }[] }).parts.map((part) => part.partNumber));
    expect(signed).toEqual([[5, 6, 7, 8, 9]]);
    releaseRest();
    await done;
    await expectCompleted(h);
  });

  it.each([128, 200])(
    "signs a %i-part upload in at most one call per 20 parts, never sending more than `concurrency` parts at once",
    async (partCount) => {
      const h = harness({ parts: partCount - 1, tail: 500 });
      await h.upload.start();
      await expectCompleted(h);
      // prepareUpload signs the first parts with the plan; the rest come in batches.
      const signingCalls = [...h.backend.callsTo("prepareUpload"), ...h.backend.callsTo("getUploadPartUrls")];
      expect(signingCalls.length).toBeLessThanOrEqual(Math.floor(partCount / 20));
      const signed = signingCalls.map((call) => (call.args as { parts: unknown[] }).parts.length);
      for (const count of signed) expect(count).toBeLessThanOrEqual(DEFAULT_UPLOAD_OPTIONS.urlBatchSize);
      expect(signed.reduce((sum, count) => sum + count, 0)).toBe(partCount);
      expect(h.transport.maxInFlight).toBeLessThanOrEqual(4);
    },
  );

  it("sends each part with exactly the headers its URL was signed with: the part's CRC32C", async () => {
    const h = harness({ parts: 3 });
    const sent: Array<{ partNumber: number; headers: Record<string, string> }> = [];
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = (request) => {
      sent.push({ partNumber: partOfUrl(request.url), headers: { ...request.headers } });
      return putPart(request);
    };
    await h.upload.start();
    await expectCompleted(h);
    const bytes = await fileBytes(h.file);
    expect(sent).toHaveLength(4);
    for (const { partNumber, headers } of sent) {
      expect(headers).toEqual({ "x-amz-checksum-crc32c": checksumOf(partBytes(bytes, partNumber)) });
    }
  });

  it("computes checksums no further ahead than urlBatchSize + 2 × concurrency parts past the parts in flight", async () => {
    const counter = countingChecksums();
    const h = harness({ parts: 199, tail: 500, checksums: counter.checksums, options: { urlBatchSize: 8, concurrency: 2 } });
    let puts = 0;
    h.transport.putPart = ({ signal }) => {
      puts += 1;
      return hangUntilAborted(signal);
    };
    const outcome = h.upload.start().catch((error: unknown) => error);
    await vi.waitFor(() => expect(puts).toBe(2));
    await delay(300);
    // The README's rule: checksums are computed "up to urlBatchSize + 2 × concurrency parts ahead"
    // of the uploads, so with 2 parts in flight at most 2 + 8 + 2 × 2 of the 200 are read.
    expect(counter.calls).toBeLessThanOrEqual(2 + 8 + 2 * 2);
    expect(counter.calls).toBeGreaterThanOrEqual(8);
    h.upload.release();
    expect(await outcome).toMatchObject({ code: "released" });
  });

  it("keeps speed and ETA current while no byte moves (a hung connection)", async () => {
    let clock = 1_000_000;
    const storage = new FakeStorage(() => clock);
    const backend = new FakeUploadBackend({ storage, partSize: PART_SIZE });
    let puts = 0;
    const transport: PartTransport = {
      async putPart({ url, body, headers, onProgress, signal }) {
        // Two parts at 1 KiB per 250 ms, then the connection hangs until the upload ends.
        if (++puts > 2) return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        for (let sent = 256; sent <= body.size; sent += 256) {
          clock += 250;
          onProgress(sent);
        }
        return storage.receive(url, headers, new Uint8Array(await body.arrayBuffer()));
      },
    };
    const upload = createUpload(randomFile(20 * PART_SIZE, 3), JOB_ID, {
      backend,
      transport,
      checksums: new Crc32cPartChecksums(),
      networkStatus: new ManualNetworkStatus(),
      now: () => clock,
      options: { ...FAST, concurrency: 1, stallTimeoutMs: 600_000 },
    });
    void upload.start().catch(() => {});
    await vi.waitFor(() => expect(puts).toBe(3));
    const moving = upload.getSnapshot();
    expect(moving.bytesPerSecond).toBeGreaterThan(0);
    clock += 60_000;
    await vi.waitFor(() => expect(upload.getSnapshot().bytesPerSecond).toBeLessThan(moving.bytesPerSecond / 100), { timeout: 3000 });
    expect(upload.getSnapshot()).toMatchObject({ status: "uploading", bytesUploaded: moving.bytesUploaded });
    upload.release();
  });

  it("keeps the same snapshot object until something changes", async () => {
    const h = harness({ parts: 2 });
    expect(h.upload.getSnapshot()).toBe(h.upload.getSnapshot());
    expect(h.upload.getSnapshot()).toMatchObject({ status: "idle", bytesUploaded: 0, partsTotal: 0 });
    await h.upload.start();
    expect(h.upload.getSnapshot()).toBe(h.snapshots.at(-1));
  });

  it("returns the same promise from repeated start() calls", async () => {
    const h = harness({ parts: 2 });
    expect(h.upload.start()).toBe(h.upload.start());
    await h.upload.start();
    expect(h.backend.callsTo("prepareUpload")).toHaveLength(1);
  });

  it("refuses options it cannot honour", () => {
    expect(() => harness({ options: { concurrency: 7 } })).toThrow(RangeError);
    expect(() => harness({ options: { urlBatchSize: 101 } })).toThrow(RangeError);
  });
});

describe("ResumableUpload: faults it recovers from", { timeout: 10_000 }, () => {
  it.each<[string, Fault, number]>([
    ["a dropped connection", "drop", 2],
    ["a drop after partial progress", "drop_after_progress", 2],
    ["HTTP 500", "http500", 3],
    ["HTTP 503", "http503", 1],
    ["HTTP 408", "http408", 1],
    ["HTTP 429", "http429", 2],
  ])("retries %s with backoff", async (_, fault, times) => {
    const h = harness({ parts: 6, faults: onPart(3, fault, times) });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(3)).toBe(times + 1);
  });

  it("fetches a fresh URL after a 403 (expired URL) and retries", async () => {
    const h = harness({ parts: 6, faults: onPart(4, "expired403") });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(4)).toBe(2);
    const signedForPart4 = [...h.backend.callsTo("prepareUpload"), ...h.backend.callsTo("getUploadPartUrls")]
      .filter((call) => (call.args as { parts: { partNumber: number }[] }).parts.some((part) => part.partNumber === 4));
    expect(signedForPart4).toHaveLength(2);
  });

  it.each([
    ["2 h ahead of", 2 * 3600_000],
    ["2 h behind", -2 * 3600_000],
  ])("signs each part once when the browser's clock is %s the server's (URLs live 1 h)", async (_, browserClockAheadMs) => {
    const h = harness({ parts: 40, urlTtlMs: 3600_000, browserClockAheadMs });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.expiredUrlsSeen).toBe(0);
    const signed = [...h.backend.callsTo("prepareUpload"), ...h.backend.callsTo("getUploadPartUrls")].flatMap(
      (call) => (call.args as { parts: unknown[] }).parts,
    );
    expect(signed).toHaveLength(41);
  });

  it("re-signs a part after a 403 without waiting for the next parts' checksums", async () => {
    // Parts 1–12 are checksummed at once; from part 13 on, checksums wait until the test lets
    // them. Part 8's first PUT meets a 403 after several signing calls (batches of 4), so its fresh
    // URL comes from a later signing call, which must not wait for a batch of checksums that are not there.
    let releaseRest!: () => void;
    const rest = new Promise<void>((resolve) => (releaseRest = resolve));
    const counter = countingChecksums(async (call, checksum) => {
      if (call > 12) await rest;
      return checksum();
    });
    const h = harness({ parts: 30, checksums: counter.checksums, faults: onPart(8, "expired403"), options: { concurrency: 2, urlBatchSize: 4 } });
    const done = h.upload.start();
    await vi.waitFor(() => expect(h.transport.attemptsByPart.get(8)).toBe(2));
    const callsBefore403 = h.backend.callsTo("getUploadPartUrls").length;
    expect(callsBefore403).toBeGreaterThanOrEqual(2);
    expect(counter.calls).toBeGreaterThan(12);
    releaseRest();
    await done;
    await expectCompleted(h);
  });

  it("never asks for more than urlBatchSize URLs in one call, even with workers waiting for fresh URLs after 403s", async () => {
    const h = harness({
      parts: 119,
      tail: 500,
      faults: ({ partNumber, attempt }) => (partNumber % 7 === 0 && attempt === 1 ? "expired403" : null),
      options: { urlBatchSize: 8, concurrency: 6 },
    });
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = async (request) => {
      await delay(10);
      return putPart(request);
    };
    // A signing round trip that takes a while: workers whose URL storage refused wait for a
    // fresh one meanwhile, and join the next call on top of a full batch of upcoming parts.
    const getUploadPartUrls = h.backend.getUploadPartUrls.bind(h.backend);
    h.backend.getUploadPartUrls = async (args) => {
      await delay(30);
      return getUploadPartUrls(args);
    };
    await h.upload.start();
    await expectCompleted(h);
    const batchSizes = h.backend.callsTo("getUploadPartUrls").map((call) => (call.args as { parts: unknown[] }).parts.length);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(8);
  });

  it("re-signs URLs that are about to expire before using them (no request meets an expired URL)", async () => {
    const signedParts = (calls: readonly { args: unknown }[]) =>
      calls.flatMap((call) => (call.args as { parts: { partNumber: number }[] }).parts.map((part) => part.partNumber));
    // When part 5 leaves, the later parts' URLs are cached; the clock then jumps so that they
    // expire within the 60 s margin, and each must be signed again before it is used.
    let onPart5 = () => {};
    const h = harness({
      parts: 30,
      urlTtlMs: 120_000,
      options: { concurrency: 2 },
      faults: ({ partNumber, attempt }) => {
        if (partNumber === 5 && attempt === 1) onPart5();
        return null;
      },
    });
    let signingCallsBefore = 0;
    let cachedBefore = new Set<number>();
    onPart5 = () => {
      const calls = h.backend.callsTo("getUploadPartUrls");
      signingCallsBefore = calls.length;
      // Signed and not sent yet (under load a later part may already have left before part 5).
      cachedBefore = new Set(signedParts(calls).filter((partNumber) => partNumber > 5 && !h.transport.attemptsByPart.has(partNumber)));
      h.advanceClock(90_000);
    };
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.expiredUrlsSeen).toBe(0);
    expect(cachedBefore.size).toBeGreaterThan(0);
    const signedAfter = signedParts(h.backend.callsTo("getUploadPartUrls").slice(signingCallsBefore));
    expect([...cachedBefore].every((partNumber) => signedAfter.includes(partNumber))).toBe(true);
  });

  it("aborts a stalled part after the stall timeout and sends it again", async () => {
    const h = harness({ parts: 5, faults: onPart(2, "stall"), options: QUICK_STALL });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(2)).toBe(2);
  });

  it("times out a PUT that hangs before reporting any progress, and sends the part again", async () => {
    const h = harness({ parts: 5, options: QUICK_STALL });
    let part2Puts = 0;
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = (request) => {
      if (partOfUrl(request.url) === 2 && ++part2Puts === 1) return hangUntilAborted(request.signal);
      return putPart(request);
    };
    await h.upload.start();
    await expectCompleted(h);
    expect(part2Puts).toBe(2);
  });

  it("does not count a slow part that keeps making progress as stalled", async () => {
    const h = harness({ parts: 5, options: { stallTimeoutMs: 60, maxAttemptsPerPart: 1 } });
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = async (request) => {
      if (partOfUrl(request.url) === 2) {
        // 180 ms in all, three times the stall timeout, with a little progress every 30 ms.
        for (let step = 1; step <= 6; step++) {
          await sleep(30, request.signal);
          request.onProgress(Math.floor((request.body.size * step) / 8));
        }
      }
      return putPart(request);
    };
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(2)).toBe(1);
  });

  it("re-reads a part storage refused as BadDigest (one byte flipped in flight) and sends it again with a fresh checksum and URL", async () => {
    const counter = countingChecksums();
    const h = harness({ parts: 5, checksums: counter.checksums, faults: onPart(2, "alter_bytes") });
    const sent: Array<{ partNumber: number; url: string; checksum: string | undefined }> = [];
    const putPart = h.transport.putPart.bind(h.transport);
    h.transport.putPart = (request) => {
      sent.push({ partNumber: partOfUrl(request.url), url: request.url, checksum: request.headers["x-amz-checksum-crc32c"] });
      return putPart(request);
    };
    const receive = h.storage.receive.bind(h.storage);
    const answers: Array<{ partNumber: number; status: number; errorCode?: string }> = [];
    h.storage.receive = (url, headers, bytes) => {
      const response = receive(url, headers, bytes);
      answers.push({ partNumber: partOfUrl(url), status: response.status, errorCode: response.errorCode });
      return response;
    };
    await h.upload.start();
    await expectCompleted(h);
    // Storage refused the flipped byte, then took the part re-read and re-sent.
    expect(answers.filter((answer) => answer.partNumber === 2)).toEqual([
      { partNumber: 2, status: 400, errorCode: "BadDigest" },
      { partNumber: 2, status: 200, errorCode: undefined },
    ]);
    const part2 = sent.filter((put) => put.partNumber === 2);
    expect(part2).toHaveLength(2);
    expect(part2[1]!.checksum).toBe(checksumOf(partBytes(await fileBytes(h.file), 2)));
    // Read again (6 parts + 1), and a URL signed for the part again.
    expect(counter.calls).toBe(7);
    const signedForPart2 = [...h.backend.callsTo("prepareUpload"), ...h.backend.callsTo("getUploadPartUrls")].filter((call) =>
      (call.args as { parts: { partNumber: number }[] }).parts.some((part) => part.partNumber === 2),
    );
    expect(signedForPart2).toHaveLength(2);
  });

  it("computes a part's checksum again before re-sending it after BadDigest, instead of reusing the one storage refused", async () => {
    // The n-th checksum is part n's: part 2's first one comes out wrong (a bad read), so storage,
    // which checks the body against the signed checksum, refuses the part as BadDigest.
    const counter = countingChecksums(async (call, checksum) => (call === 2 ? wrongChecksum(await checksum()) : checksum()));
    const h = harness({ parts: 5, checksums: counter.checksums });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(2)).toBe(2);
    expect(counter.calls).toBe(7);
  });

  it("gets a fresh URL after storage refuses a swapped checksum header (403: it is signed) and sends the part again", async () => {
    const h = harness({ parts: 5, faults: onPart(3, "swap_checksum") });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.attemptsByPart.get(3)).toBe(2);
  });

  it("waits while offline without spending retries, then continues", async () => {
    const h = harness({ parts: 6, faults: onPart(2, "go_offline"), options: { maxAttemptsPerPart: 1 } });
    await h.upload.start();
    await expectCompleted(h);
    expect(h.snapshots.some((snapshot) => snapshot.status === "offline")).toBe(true);
    expect(h.network.listenerCount).toBe(0);
  });

  it("cuts in-flight parts when the browser goes offline and holds new ones until it is back", async () => {
    const h = harness({ parts: 20, options: { concurrency: 3 } });
    const done = h.upload.start();
    await when(h.upload, (snapshot) => snapshot.partsConfirmed >= 2);
    h.network.set(false);
    expect(h.upload.getSnapshot()).toMatchObject({ status: "offline", bytesPerSecond: 0, etaSeconds: null });
    await delay(5);
    const attemptsWhileOffline = h.transport.totalAttempts;
    expect(h.transport.inFlight).toBe(0);
    await delay(30);
    expect(h.transport.totalAttempts).toBe(attemptsWhileOffline);
    h.network.set(true);
    await done;
    await expectCompleted(h);
  });

  // Seeded chaos: random drops, 5xx, 429, 403s, stalls, altered bytes and offline spells — at a
  // rate the budgets absorb, and at a harsh rate (with hidden ETags and 400s too) that they do not.
  const RECOVERABLE: Fault[] = [
    "drop",
    "drop_after_progress",
    "http500",
    "http503",
    "http429",
    "expired403",
    "swap_checksum",
    "stall",
    "alter_bytes",
    "go_offline",
  ];
  const chaos = [
    ...Array.from({ length: 12 }, (_, i) => ({ seed: i + 1, rate: 0.25, faults: RECOVERABLE })),
    ...Array.from({ length: 6 }, (_, i) => ({ seed: 100 + i, rate: 0.6, faults: RECOVERABLE })),
    ...Array.from({ length: 4 }, (_, i) => ({
      seed: 200 + i,
      rate: 0.1,
      faults: [...RECOVERABLE, "missing_etag", "http400"] satisfies Fault[],
    })),
  ];
  it.each(chaos)("completes or fails with a stated reason under random faults (seed $seed, rate $rate)", async ({ seed, rate, faults }) => {
    const concurrency = 1 + (seed % 6);
    // Each request's fault depends only on its part and attempt, not on the order in which the
    // parts' requests happen to arrive, so a run does not depend on the machine's load.
    const faultFor = ({ partNumber, attempt }: { partNumber: number; attempt: number }) => {
      const random = seededRandom(mixedSeed(seed, partNumber, attempt));
      return random() < rate ? faults[Math.floor(random() * faults.length)]! : null;
    };
    const h = harness({
      parts: 30,
      seed,
      faults: faultFor,
      options: { ...QUICK_STALL, concurrency },
    });
    const outcome = await h.upload.start().then(
      () => "done" as const,
      (error: unknown) => error,
    );
    if (outcome === "done") {
      await expectCompleted(h);
    } else {
      expect(outcome).toBeInstanceOf(UploadError);
      const { code, message } = outcome as UploadError;
      expect(["network", "storage_unavailable", "storage_rejected", "integrity", "missing_etag"]).toContain(code);
      expect(message.length).toBeGreaterThan(10);
      expect(h.upload.getSnapshot().status).toBe("failed");
      expectMonotonicProgress(h.snapshots);
      await delay(5);
      expect(h.transport.inFlight).toBe(0);
    }
    if (faults === RECOVERABLE && rate < 0.5) expect(outcome).toBe("done");
    expect(h.transport.faultsInjected.length).toBeGreaterThan(0);
    expect(h.transport.maxInFlight).toBeLessThanOrEqual(concurrency);
  });
});

describe("ResumableUpload: faults it stops on", { timeout: 10_000 }, () => {
  it("fails with missing_etag when the browser cannot read the ETag, and every promise settles", async () => {
    const h = harness({ parts: 8, faults: onPart(3, "missing_etag", "always") });
    const error = await expectFailure(h, "missing_etag");
    expect(error.message).toMatch(/ExposeHeaders/);
    expect(error.retryable).toBe(false);
    expect(h.transport.attemptsByPart.get(3)).toBe(1);
    await delay(10);
    expect(h.transport.inFlight).toBe(0);
  });

  it("fails with storage_rejected when fresh URLs keep getting 403", async () => {
    const h = harness({ parts: 4, faults: onPart(2, "expired403", "always") });
    await expectFailure(h, "storage_rejected");
    expect(h.transport.attemptsByPart.get(2)).toBe(3); // 1 + maxUrlRefreshesPerPart
  });

  it("does not retry other 4xx answers", async () => {
    const h = harness({ parts: 4, faults: onPart(2, "http400", "always") });
    await expectFailure(h, "storage_rejected");
    expect(h.transport.attemptsByPart.get(2)).toBe(1);
  });

  it("fails with storage_unavailable after maxAttemptsPerPart server errors", async () => {
    const h = harness({ parts: 4, faults: onPart(1, "http500", "always"), options: { maxAttemptsPerPart: 4 } });
    await expectFailure(h, "storage_unavailable");
    expect(h.transport.attemptsByPart.get(1)).toBe(4);
  });

  it("fails with network after maxAttemptsPerPart stalls", async () => {
    const h = harness({ parts: 2, faults: onPart(1, "stall", "always"), options: { ...QUICK_STALL, maxAttemptsPerPart: 2 } });
    await expectFailure(h, "network");
  });

  it("fails with integrity when storage keeps refusing a part's bytes (BadDigest)", async () => {
    const h = harness({ parts: 4, faults: onPart(2, "alter_bytes", "always") });
    await expectFailure(h, "integrity");
    expect(h.transport.attemptsByPart.get(2)).toBe(3); // 1 + maxIntegrityResendsPerPart
    expect(h.backend.reportCounts.get(2)).toBeUndefined();
  });

  it("fails with storage_rejected when the multipart upload is gone", async () => {
    const h = harness({ parts: 4 });
    h.storage.aborted = true;
    const error = await expectFailure(h, "storage_rejected");
    expect(error.message).toMatch(/no longer exists/);
  });

  it("fails with backend when signing fails, keeping the server's reason", async () => {
    const h = harness({ parts: 4 });
    h.backend.failures.set("getUploadPartUrls", new Error("R2 credentials missing"));
    const error = await expectFailure(h, "backend");
    expect(error.message).toMatch(/R2 credentials missing/);
    // Parts 1–4 went with the URLs signed with the plan; part 5 never had one.
    expect(h.transport.attemptsByPart.has(5)).toBe(false);
  });

  it("keeps the code of an UploadError the backend adapter raised", async () => {
    const h = harness({ parts: 4 });
    h.backend.failures.set("reportUploadedPart", new UploadError("no_session", "The job was canceled elsewhere."));
    const error = await expectFailure(h, "no_session");
    expect(error.message).toBe("The job was canceled elsewhere.");
  });

  it("refuses a plan whose part size differs from the one announced for the fingerprint", async () => {
    const h = harness({ parts: 4, announcedPartSize: 2048 });
    const error = await expectFailure(h, "backend");
    expect(error.retryable).toBe(false);
    expect(h.transport.totalAttempts).toBe(0);
  });

  it("fails with file_unreadable when the first part cannot be read, before asking the server for anything", async () => {
    const h = harness({ parts: 4, file: unreadableFrom(randomFile(4 * PART_SIZE + 300, 1), 0) });
    await expectFailure(h, "file_unreadable");
    expect(h.backend.calls).toHaveLength(0);
  });

  it("fails with file_unreadable when a later part cannot be read (the file changed on disk)", async () => {
    const h = harness({ parts: 30, file: unreadableFrom(randomFile(30 * PART_SIZE + 300, 1), 12 * PART_SIZE), options: { concurrency: 1 } });
    await expectFailure(h, "file_unreadable");
    expect(h.transport.attemptsByPart.has(13)).toBe(false);
  });
});

describe("ResumableUpload: pause, resume, cancel and release", { timeout: 10_000 }, () => {
  it("pauses (cutting in-flight parts), sends nothing while paused, and finishes after resume", async () => {
    const h = harness({ parts: 20, options: { concurrency: 3 } });
    const done = h.upload.start();
    await when(h.upload, (snapshot) => snapshot.bytesInFlight > 0 && snapshot.partsConfirmed >= 1);
    h.upload.pause();
    expect(h.upload.getSnapshot()).toMatchObject({ status: "paused", bytesPerSecond: 0, etaSeconds: null });
    await delay(5);
    expect(h.transport.inFlight).toBe(0);
    const attempts = h.transport.totalAttempts;
    await delay(30);
    expect(h.transport.totalAttempts).toBe(attempts);
    h.upload.resume();
    await done;
    await expectCompleted(h);
    const statuses = h.snapshots.map((snapshot) => snapshot.status);
    expect(statuses.indexOf("paused")).toBeLessThan(statuses.lastIndexOf("uploading"));
  });

  it("aborts every in-flight PUT the moment it pauses", async () => {
    const h = harness({ parts: 12, options: { concurrency: 3 } });
    const putPart = h.transport.putPart.bind(h.transport);
    const hungSignals: AbortSignal[] = [];
    let hang = true;
    h.transport.putPart = (request) => {
      if (!hang) return putPart(request);
      hungSignals.push(request.signal);
      return hangUntilAborted(request.signal);
    };
    const done = h.upload.start();
    await vi.waitFor(() => expect(hungSignals).toHaveLength(3));
    h.upload.pause();
    expect(hungSignals.map((signal) => signal.aborted)).toEqual([true, true, true]);
    hang = false;
    h.upload.resume();
    await done;
    await expectCompleted(h);
  });

  it("cancels mid-upload: start() rejects with canceled, the server aborts, nothing more is sent", async () => {
    const h = harness({ parts: 20, options: { concurrency: 2 } });
    const done = h.upload.start();
    await when(h.upload, (snapshot) => snapshot.partsConfirmed >= 2);
    const canceling = h.upload.cancel();
    expect(h.upload.cancel()).toBe(canceling);
    await expectFailure(h, "canceled");
    await canceling;
    await expect(done).rejects.toMatchObject({ code: "canceled" });
    expect(h.backend.callsTo("abortUpload")).toHaveLength(1);
    const attempts = h.transport.totalAttempts;
    await delay(20);
    expect(h.transport.totalAttempts).toBe(attempts);
    expect(h.transport.inFlight).toBe(0);
    expect(h.backend.callsTo("completeUpload")).toHaveLength(0);
  });

  it("cancels while paused", async () => {
    const h = harness({ parts: 10 });
    const outcome = h.upload.start().catch((error: unknown) => error);
    await when(h.upload, (snapshot) => snapshot.partsConfirmed >= 1);
    h.upload.pause();
    await h.upload.cancel();
    expect(await outcome).toMatchObject({ code: "canceled" });
    expect(h.upload.getSnapshot().status).toBe("canceled");
  });

  it("cancels before prepareUpload without asking the server to abort anything", async () => {
    const h = harness({ parts: 4 });
    const outcome = h.upload.start().catch((error: unknown) => error);
    await h.upload.cancel();
    expect(await outcome).toMatchObject({ code: "canceled" });
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
    expect(h.transport.totalAttempts).toBe(0);
  });

  it("cancels while the first checksums are computed without creating a multipart upload", async () => {
    const h = harness({ parts: 4 });
    h.upload.subscribe((snapshot) => {
      if (snapshot.status === "preparing") void h.upload.cancel();
    });
    expect(await h.upload.start().catch((error: unknown) => error)).toMatchObject({ code: "canceled" });
    expect(h.backend.callsTo("prepareUpload")).toHaveLength(0);
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
  });

  it("release() stops everything this page does and leaves the server's upload and parts for a resume", async () => {
    const counter = countingChecksums();
    const h = harness({ parts: 60, checksums: counter.checksums, options: { concurrency: 2, urlBatchSize: 4 } });
    const outcome = h.upload.start().catch((error: unknown) => error);
    await when(h.upload, (snapshot) => snapshot.partsConfirmed >= 2);
    h.upload.release();
    expect(await outcome).toMatchObject({ code: "released", retryable: true });
    expect(h.upload.getSnapshot()).toMatchObject({ status: "released", error: { code: "released" } });
    const attempts = h.transport.totalAttempts;
    const hashed = counter.calls;
    await delay(30);
    expect(h.transport.totalAttempts).toBe(attempts);
    expect(h.transport.inFlight).toBe(0);
    expect(counter.calls).toBe(hashed);
    expect(hashed).toBeLessThan(60);
    // The server's upload is untouched: nothing aborted, the recorded parts stay for a resume.
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
    expect(h.backend.callsTo("completeUpload")).toHaveLength(0);
    expect(h.storage.aborted).toBe(false);
    expect(h.backend.recorded.size).toBeGreaterThanOrEqual(2);
    h.upload.release();
    h.upload.resume();
    expect(h.upload.getSnapshot().status).toBe("released");
  });

  it("ignores release() once completing or done", async () => {
    const h = harness({ parts: 2 });
    h.upload.subscribe((snapshot) => {
      if (snapshot.status === "completing") h.upload.release();
    });
    await h.upload.start();
    await expectCompleted(h);
    h.upload.release();
    expect(h.upload.getSnapshot().status).toBe("done");
  });

  it("cancels an upload that was never started", async () => {
    const h = harness({ parts: 4 });
    await h.upload.cancel();
    await expect(h.upload.start()).rejects.toMatchObject({ code: "canceled" });
  });

  it("ignores cancel after done", async () => {
    const h = harness({ parts: 2 });
    await h.upload.start();
    await h.upload.cancel();
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
    expect(h.upload.getSnapshot().status).toBe("done");
  });
});

describe("resumeUpload", { timeout: 10_000 }, () => {
  const RECORDED = [1, 2, 5];

  /** A session in which parts 1, 2 and 5 of `file` are already stored and recorded. */
  function sessionFor(storageRef: { storage?: FakeStorage }, overrides: Partial<FakeSession["fingerprint"]> = {}) {
    return (file: File): FakeSession => ({
      status: "UPLOADING",
      partSize: PART_SIZE,
      partCount: Math.ceil(file.size / PART_SIZE),
      fingerprint: { name: file.name, size: file.size, lastModified: file.lastModified, ...overrides },
      parts: RECORDED.map((partNumber) => ({ partNumber, size: PART_SIZE, etag: `"recorded-${partNumber}"` })),
    });
  }

  async function storeRecordedParts(h: Harness): Promise<void> {
    const bytes = await fileBytes(h.file);
    for (const partNumber of RECORDED) {
      const start = (partNumber - 1) * PART_SIZE;
      const stored = bytes.slice(start, start + PART_SIZE);
      h.storage.parts.set(partNumber, { bytes: stored, etag: `"recorded-${partNumber}"`, checksum: checksumOf(stored) });
    }
  }

  it("uploads only the parts the session lacks, counting the recorded ones as confirmed from the start", async () => {
    const file = randomFile(8 * PART_SIZE + 100, 3);
    const firstPartCrc32c = checksumOf(partBytes(await fileBytes(file), 1));
    const h = harness({ file, mode: "resume", session: sessionFor({}, { firstPartCrc32c }) });
    await storeRecordedParts(h);
    await h.upload.start();
    await expectCompleted(h);
    expect([...h.transport.attemptsByPart.keys()].sort((a, b) => a - b)).toEqual([3, 4, 6, 7, 8, 9]);
    expect([...h.backend.reportCounts.keys()].sort((a, b) => a - b)).toEqual([3, 4, 6, 7, 8, 9]);
    const firstUploading = h.snapshots.find((snapshot) => snapshot.status === "uploading")!;
    expect(firstUploading.bytesConfirmed).toBe(3 * PART_SIZE);
    expect(firstUploading.partsConfirmed).toBe(3);
    expect(h.backend.callsTo("prepareUpload")).toHaveLength(0);
  });

  it("refuses a file with another name, size or date", async () => {
    const h = harness({ mode: "resume", session: sessionFor({}, { name: "other.mp4" }) });
    const error = await expectFailure(h, "file_mismatch");
    expect(error.message).toMatch(/other\.mp4/);
    expect(h.transport.totalAttempts).toBe(0);
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
  });

  it("refuses a file modified since the upload started, though its name and size are the same", async () => {
    const h = harness({ mode: "resume", session: (file) => sessionFor({}, { lastModified: file.lastModified + 1 })(file) });
    const error = await expectFailure(h, "file_mismatch");
    expect(error.message).toMatch(/modified/);
    expect(h.transport.totalAttempts).toBe(0);
  });

  it("refuses a file one byte longer than the one started, though it splits into as many parts", async () => {
    const h = harness({ mode: "resume", session: (file) => sessionFor({}, { size: file.size - 1 })(file) });
    expect(Math.ceil((h.file.size - 1) / PART_SIZE)).toBe(Math.ceil(h.file.size / PART_SIZE));
    const error = await expectFailure(h, "file_mismatch");
    expect(error.message).toMatch(new RegExp(`${h.file.size} bytes, not ${h.file.size - 1}`));
    expect(h.transport.totalAttempts).toBe(0);
  });

  it("does not count a recorded part number beyond the plan as uploaded", async () => {
    const file = randomFile(8 * PART_SIZE + 100, 3);
    const h = harness({
      file,
      mode: "resume",
      session: (f) => {
        const session = sessionFor({})(f);
        return { ...session, parts: [...session.parts, { partNumber: session.partCount + 1, size: PART_SIZE, etag: '"stray"' }] };
      },
    });
    await storeRecordedParts(h);
    await h.upload.start();
    await expectCompleted(h);
    const firstUploading = h.snapshots.find((snapshot) => snapshot.status === "uploading")!;
    expect(firstUploading).toMatchObject({ partsConfirmed: 3, bytesConfirmed: 3 * PART_SIZE });
  });

  it("refuses another file with the same name, size and date whose first part differs", async () => {
    // The upload started with `original`; the user picks `edited`: same name, size and date, one
    // byte changed in its first part.
    const original = randomFile(8 * PART_SIZE + 100, 3);
    const bytes = await fileBytes(original);
    bytes[100] = bytes[100]! ^ 0x01;
    const edited = new File([new Uint8Array(bytes)], original.name, { type: original.type, lastModified: original.lastModified });
    const firstPartCrc32c = checksumOf(partBytes(await fileBytes(original), 1));
    const h = harness({ file: edited, mode: "resume", session: sessionFor({}, { firstPartCrc32c }) });
    const error = await expectFailure(h, "file_mismatch");
    expect(error.message).toMatch(/different contents/);
    expect(h.transport.totalAttempts).toBe(0);
    expect(h.backend.callsTo("getUploadPartUrls")).toHaveLength(0);
    expect(h.backend.callsTo("abortUpload")).toHaveLength(0);
  });

  it("checks the fingerprint even when part 1 is already recorded, reading it without sending it", async () => {
    const file = randomFile(8 * PART_SIZE + 100, 3);
    const h = harness({ file, mode: "resume", session: sessionFor({}, { firstPartCrc32c: wrongChecksum(checksumOf(partBytes(await fileBytes(file), 1))) }) });
    await storeRecordedParts(h);
    await expectFailure(h, "file_mismatch");
  });

  it("fails with no_session when there is nothing to resume", async () => {
    const h = harness({ mode: "resume", session: () => null });
    await expectFailure(h, "no_session");
  });

  it("fails with no_session when the job no longer waits for its file", async () => {
    const h = harness({
      mode: "resume",
      session: (file) => ({ ...sessionFor({})(file), status: "UPLOADED" }),
    });
    const error = await expectFailure(h, "no_session");
    expect(error.message).toMatch(/UPLOADED/);
  });

  it("completes without sending anything when every part is recorded", async () => {
    const file = randomFile(3 * PART_SIZE, 4);
    const bytes = await fileBytes(file);
    const h = harness({
      file,
      mode: "resume",
      session: () => ({
        status: "UPLOADING",
        partSize: PART_SIZE,
        partCount: 3,
        fingerprint: { name: file.name, size: file.size, lastModified: file.lastModified },
        parts: [1, 2, 3].map((partNumber) => ({ partNumber, size: PART_SIZE, etag: `"p${partNumber}"` })),
      }),
    });
    for (const partNumber of [1, 2, 3]) {
      const start = (partNumber - 1) * PART_SIZE;
      const stored = bytes.slice(start, start + PART_SIZE);
      h.storage.parts.set(partNumber, { bytes: stored, etag: `"p${partNumber}"`, checksum: checksumOf(stored) });
    }
    await h.upload.start();
    await expectCompleted(h);
    expect(h.transport.totalAttempts).toBe(0);
    expect(h.backend.callsTo("getUploadPartUrls")).toHaveLength(0);
  });
});
