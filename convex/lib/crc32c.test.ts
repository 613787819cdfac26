import { describe, expect, test } from "vitest";
import { crc32 as wasmCrc32 } from "hash-wasm";
import {
  CRC32C_INITIAL,
  CRC32C_POLYNOMIAL,
  crc32c,
  crc32cCombine,
  crc32cFromBase64,
  crc32cToBase64,
  crc32cUpdate,
  isCrc32cChecksum,
  s3CompositeCrc32c,
} from "./crc32c";

/** hash-wasm's CRC-32 with the Castagnoli polynomial: a second, independent implementation. */
const referenceCrc32c = async (bytes: Uint8Array) => parseInt(await wasmCrc32(bytes, CRC32C_POLYNOMIAL), 16);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
function randomBytes(next: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}
function concat(...chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

describe("crc32c", () => {
  test("RFC 3720's iSCSI vectors and the check value of '123456789'", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("agrees with hash-wasm on every length around the 16-byte steps and on offsets into a larger buffer", async () => {
    const next = random(1);
    const buffer = randomBytes(next, 4096 + 64);
    for (let length = 0; length <= 70; length++) {
      for (const offset of [0, 1, 2, 3, 7]) {
        const bytes = buffer.subarray(offset, offset + length);
        expect(crc32c(bytes), `length ${length} at ${offset}`).toBe(await referenceCrc32c(bytes));
      }
    }
    expect(crc32c(buffer)).toBe(await referenceCrc32c(buffer));
  });

  test("crc32cUpdate over chunks of any size gives the CRC of the whole", () => {
    const next = random(2);
    const bytes = randomBytes(next, 10_000);
    const whole = crc32c(bytes);
    for (let trial = 0; trial < 20; trial++) {
      let crc = CRC32C_INITIAL;
      for (let at = 0; at < bytes.length; ) {
        const size = trial === 0 ? 1 : Math.floor(next() * 300);
        crc = crc32cUpdate(crc, bytes.subarray(at, at + size));
        at += size;
      }
      expect(crc).toBe(whole);
    }
  });
});

describe("crc32cCombine", () => {
  test("equals the CRC of the concatenation, for random splits including empty parts", () => {
    const next = random(3);
    for (let trial = 0; trial < 200; trial++) {
      const a = randomBytes(next, trial % 10 === 0 ? 0 : Math.floor(next() * 2000));
      const b = randomBytes(next, trial % 7 === 0 ? 0 : Math.floor(next() * 2000));
      expect(crc32cCombine(crc32c(a), crc32c(b), b.length), `trial ${trial}`).toBe(crc32c(concat(a, b)));
    }
  });

  test("folds many parts left to right into the whole object's CRC", () => {
    const next = random(4);
    const parts = Array.from({ length: 12 }, (_, i) => randomBytes(next, i === 5 ? 0 : Math.floor(next() * 5000)));
    const combined = parts.reduce((crc, part) => crc32cCombine(crc, crc32c(part), part.length), CRC32C_INITIAL);
    expect(combined).toBe(crc32c(concat(...parts)));
  });

  test("is exact for parts of 5 GiB and objects past 2^32 bytes", { timeout: 60_000 }, () => {
    // Ground truth by updating, one pass over 513 MiB of zeros: the CRC after 1 MiB, combined
    // with the CRC of 512 MiB of zeros (which is also the CRC after 512 MiB), is the CRC after
    // 513 MiB. 512 MiB is 2^32 bits: zlib's 32-entry table of x^(2^k) wraps there, which is
    // right for CRC-32's polynomial but not for Castagnoli's.
    const zeros = new Uint8Array(1 << 20);
    const crcAfter = new Map<number, number>();
    let crc = CRC32C_INITIAL;
    for (let mebibytes = 1; mebibytes <= 513; mebibytes++) {
      crc = crc32cUpdate(crc, zeros);
      crcAfter.set(mebibytes, crc);
    }
    expect(crc32cCombine(crcAfter.get(1)!, crcAfter.get(512)!, 512 << 20)).toBe(crcAfter.get(513));
    expect(zeroRunCrc(513 << 20)).toBe(crcAfter.get(513));

    const a = new TextEncoder().encode("reeldrop");
    // Beyond what a test can hash: (A‖Z1)‖Z2 = A‖(Z1‖Z2) at 5 GiB, 20 GiB and 2^32 ± 1.
    const fiveGiB = 5 * 2 ** 30;
    const twentyGiB = 20 * 2 ** 30 + 12345;
    for (const [l1, l2] of [
      [fiveGiB, fiveGiB],
      [twentyGiB, 7],
      [2 ** 32 - 1, 2 ** 32 + 1],
    ] as const) {
      const z1 = zeroRunCrc(l1);
      const z2 = zeroRunCrc(l2);
      const left = crc32cCombine(crc32cCombine(crc32c(a), z1, l1), z2, l2);
      const right = crc32cCombine(crc32c(a), crc32cCombine(z1, z2, l2), l1 + l2);
      expect(left).toBe(right);
    }
    expect(() => crc32cCombine(1, 2, -1)).toThrow(RangeError);
    expect(() => crc32cCombine(1, 2, 1.5)).toThrow(RangeError);
    expect(() => crc32cCombine(1, 2, 2 ** 53)).toThrow(RangeError);
  });
});

/** The CRC32C of `length` zero bytes, by doubling (combine of a run with itself). */
function zeroRunCrc(length: number): number {
  let result = CRC32C_INITIAL;
  let resultLength = 0;
  let run = crc32c(new Uint8Array(1));
  let runLength = 1;
  for (let n = length; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) {
      result = crc32cCombine(result, run, runLength);
      resultLength += runLength;
    }
    run = crc32cCombine(run, run, runLength);
    runLength *= 2;
  }
  expect(resultLength).toBe(length);
  return result;
}

describe("the x-amz-checksum-crc32c value", () => {
  test("is the base64 of the 4 big-endian bytes, both ways", () => {
    const bytesOf = (crc: number) => Uint8Array.of(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff);
    const next = random(5);
    for (const crc of [0, 1, 0xffffffff, 0x80000000, 0xe3069283, ...Array.from({ length: 200 }, () => Math.floor(next() * 2 ** 32))]) {
      const value = crc32cToBase64(crc);
      expect(value).toBe(Buffer.from(bytesOf(crc)).toString("base64"));
      expect(isCrc32cChecksum(value)).toBe(true);
      expect(crc32cFromBase64(value)).toBe(crc);
    }
    // "123456789": S3 documents the header as base64 of the big-endian digest.
    expect(crc32cToBase64(0xe3069283)).toBe("4waSgw==");
  });

  test("the validator takes exactly 8 base64 characters ending in == that decode to 4 bytes", () => {
    for (const bad of ["", "4waSgw=", "4waSgw===", "4waSgw", "4waSgx==", "4waSg===", "4waS gw==", "4wa-gw==", "4waSgw==\n", " 4waSgw=="]) {
      expect(isCrc32cChecksum(bad), JSON.stringify(bad)).toBe(false);
      expect(() => crc32cFromBase64(bad)).toThrow(RangeError);
    }
    expect(isCrc32cChecksum(undefined)).toBe(false);
    expect(isCrc32cChecksum(12345678)).toBe(false);
  });
});

describe("s3CompositeCrc32c", () => {
  test("is the CRC32C of the concatenated part checksums, then the part count", async () => {
    const next = random(6);
    const parts = Array.from({ length: 3 }, () => randomBytes(next, 1000));
    const checksums = parts.map((part) => crc32cToBase64(crc32c(part)));
    const raw = Buffer.concat(checksums.map((checksum) => Buffer.from(checksum, "base64")));
    expect(s3CompositeCrc32c(checksums)).toBe(`${crc32cToBase64(await referenceCrc32c(raw))}-3`);
    expect(s3CompositeCrc32c(checksums)).not.toBe(`${crc32cToBase64(crc32c(concat(...parts)))}-3`);
  });
});
