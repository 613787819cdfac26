import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PartDigests } from "./partDigests";
import { randomFile } from "./testing/seededRandom";

const PART_SIZE = 1000;

describe("PartDigests", () => {
  it("computes each part's MD5 in hex and base64, reading in chunks that do not divide the part", async () => {
    const file = randomFile(3500, 9);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const digests = new PartDigests((n) => file.slice((n - 1) * PART_SIZE, n * PART_SIZE), 333, new AbortController().signal);
    for (const partNumber of [1, 2, 3, 4]) {
      const slice = bytes.subarray((partNumber - 1) * PART_SIZE, partNumber * PART_SIZE);
      await expect(digests.digestFor(partNumber)).resolves.toEqual({
        md5Hex: createHash("md5").update(slice).digest("hex"),
        md5Base64: createHash("md5").update(slice).digest("base64"),
      });
      expect(digests.peek(partNumber)).toBeDefined();
    }
  });

  it("computes a part once, and again only when asked to recompute", async () => {
    const file = randomFile(2000, 10);
    const reads: number[] = [];
    const digests = new PartDigests(
      (n) => {
        reads.push(n);
        return file.slice((n - 1) * PART_SIZE, n * PART_SIZE);
      },
      PART_SIZE,
      new AbortController().signal,
    );
    const [a, b] = await Promise.all([digests.digestFor(1), digests.digestFor(1)]);
    expect(a).toBe(b);
    await digests.recompute(1);
    expect(reads).toEqual([1, 1]);
  });

  it("fails with file_unreadable when the file cannot be read", async () => {
    const unreadable = { size: 10, slice: () => unreadable, arrayBuffer: () => Promise.reject(new Error("NotReadableError")) };
    const digests = new PartDigests(() => unreadable as unknown as Blob, 4, new AbortController().signal);
    await expect(digests.digestFor(1)).rejects.toMatchObject({ code: "file_unreadable" });
  });

  it("stops reading when the upload ends", async () => {
    const controller = new AbortController();
    const file = randomFile(2000, 11);
    const digests = new PartDigests(() => file, 10, controller.signal);
    const digest = digests.digestFor(1);
    controller.abort(new Error("canceled"));
    await expect(digest).rejects.toThrow("canceled");
  });
});
