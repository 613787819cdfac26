import { describe, expect, it } from "vitest";
import { randomFile } from "../testing/seededRandom";
import { READ_BUFFER_BYTES, readBlob } from "./blobChunks";

describe("readBlob", () => {
  it("hands over every byte in order, at most a buffer at a time, reusing the buffer it is given", async () => {
    const file = randomFile(2 * READ_BUFFER_BYTES + 12_345, 4);
    const expected = new Uint8Array(await file.arrayBuffer());
    const received = new Uint8Array(file.size);
    let offset = 0;
    const bufferSizes = new Set<number>();
    let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
    for (let round = 0; round < 2; round++) {
      offset = 0;
      buffer = await readBlob(
        file,
        (chunk) => {
          expect(chunk.length).toBeLessThanOrEqual(READ_BUFFER_BYTES);
          bufferSizes.add(chunk.buffer.byteLength);
          received.set(chunk, offset);
          offset += chunk.length;
        },
        undefined,
        buffer,
      );
      expect(offset).toBe(file.size);
      expect(Buffer.from(received).equals(Buffer.from(expected))).toBe(true);
    }
    // A BYOB read transfers the buffer it fills and hands back a view of it: one block of memory
    // throughout, moved from read to read, never a new chunk per read.
    expect([...bufferSizes]).toEqual([READ_BUFFER_BYTES]);
    expect(buffer.byteLength).toBe(READ_BUFFER_BYTES);
  });

  it("rejects with the signal's reason once it aborts", async () => {
    const controller = new AbortController();
    const reading = readBlob(randomFile(3 * READ_BUFFER_BYTES, 5), () => controller.abort(new Error("released")), controller.signal);
    await expect(reading).rejects.toThrow("released");
  });
});
