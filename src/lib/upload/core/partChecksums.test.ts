import { describe, expect, it } from "vitest";
import { crc32c, crc32cToBase64 } from "../../../../convex/lib/crc32c";
import { Crc32cPartChecksums } from "../checksums/crc32cPartChecksums";
import { PartChecksumQueue } from "./partChecksums";
import { randomFile } from "../testing/seededRandom";

const PART_SIZE = 1000;
const refuseWasm = () => Promise.reject(new WebAssembly.CompileError("blocked by CSP"));

function queueFor(file: Blob, signal = new AbortController().signal, checksums = new Crc32cPartChecksums()) {
  const reads: number[] = [];
  const queue = new PartChecksumQueue(
    checksums,
    (n) => {
      reads.push(n);
      return file.slice((n - 1) * PART_SIZE, n * PART_SIZE);
    },
    signal,
  );
  return { queue, reads };
}

describe("PartChecksumQueue with the browser's CRC32C", () => {
  it.each([
    ["WebAssembly", undefined, "wasm"],
    ["pure JS", refuseWasm, "js"],
  ] as const)("gives each part's x-amz-checksum-crc32c value (%s)", async (_, wasmFactory, implementation) => {
    const file = randomFile(3500, 9);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const seen: string[] = [];
    const { queue } = queueFor(file, undefined, new Crc32cPartChecksums((used) => seen.push(used), wasmFactory));
    for (const partNumber of [1, 2, 3, 4]) {
      const slice = bytes.subarray((partNumber - 1) * PART_SIZE, partNumber * PART_SIZE);
      await expect(queue.checksumFor(partNumber)).resolves.toBe(crc32cToBase64(crc32c(slice)));
      expect(queue.peek(partNumber)).toBeDefined();
    }
    expect(seen).toEqual([implementation, implementation, implementation, implementation]);
  });

  it("computes a part once, and again only when asked to recompute", async () => {
    const { queue, reads } = queueFor(randomFile(2000, 10));
    const [a, b] = await Promise.all([queue.checksumFor(1), queue.checksumFor(1)]);
    expect(a).toBe(b);
    await queue.recompute(1);
    expect(reads).toEqual([1, 1]);
  });

  it("computes in the order asked, one part at a time", async () => {
    const order: number[] = [];
    const inner = new Crc32cPartChecksums();
    const queue = new PartChecksumQueue(
      {
        async crc32c(blob, options) {
          order.push(blob.size);
          expect(order.length).toBeLessThanOrEqual(3);
          return inner.crc32c(blob, options);
        },
      },
      (n) => randomFile(n, n),
      new AbortController().signal,
    );
    await Promise.all([queue.checksumFor(30), queue.checksumFor(10), queue.checksumFor(20)]);
    expect(order).toEqual([30, 10, 20]);
  });

  it("fails with file_unreadable when the file cannot be read", async () => {
    const unreadable = new Blob([new Uint8Array(10)]);
    unreadable.stream = () => new ReadableStream({ pull: (controller) => controller.error(new DOMException("gone", "NotReadableError")) });
    const queue = new PartChecksumQueue(new Crc32cPartChecksums(), () => unreadable, new AbortController().signal);
    await expect(queue.checksumFor(1)).rejects.toMatchObject({ code: "file_unreadable" });
  });

  it("stops reading when the upload ends", async () => {
    const controller = new AbortController();
    const { queue } = queueFor(randomFile(2000, 11), controller.signal);
    const checksum = queue.checksumFor(1);
    controller.abort(new Error("canceled"));
    await expect(checksum).rejects.toThrow("canceled");
  });
});
