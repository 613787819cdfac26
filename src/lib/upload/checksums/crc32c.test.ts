import { crc32 as crc32Reference } from "hash-wasm";
import { describe, expect, it } from "vitest";
import { createCrc32c, type WasmCrc32Factory } from "./crc32c";
import { seededRandom } from "../testing/seededRandom";

const refuseWasm: WasmCrc32Factory = () => Promise.reject(new WebAssembly.CompileError("blocked by CSP"));

/** RFC 3720 (iSCSI), appendix B.4, and the classic check value. */
const VECTORS: Array<[string, Uint8Array, number]> = [
  ["32 zero bytes", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes of 0xff", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["32 ascending bytes", Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ["32 descending bytes", Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ['"123456789"', new TextEncoder().encode("123456789"), 0xe3069283],
  ["no bytes", new Uint8Array(0), 0],
];

describe.each([
  ["WebAssembly", undefined, "wasm"],
  ["the pure-JS fallback (WebAssembly refused, as under a strict CSP)", refuseWasm, "js"],
] as const)("createCrc32c: %s", (_, factory, implementation) => {
  it.each(VECTORS)("gives the known CRC32C of %s", async (_name, bytes, expected) => {
    const hasher = await createCrc32c(factory);
    expect(hasher.implementation).toBe(implementation);
    hasher.update(bytes);
    expect(hasher.digest()).toBe(expected);
  });

  it("gives the same CRC32C however the bytes are split, at any alignment", async () => {
    const random = seededRandom(3);
    const bytes = Uint8Array.from({ length: 100_003 }, () => Math.floor(random() * 256));
    const expected = Number.parseInt(await crc32Reference(bytes, 0x82f63b78), 16);
    for (const cuts of [[], [1], [3, 17, 65_536], [99_999]]) {
      const hasher = await createCrc32c(factory);
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        hasher.update(bytes.subarray(from, cut));
        from = cut;
      }
      expect(hasher.digest(), `cut at ${cuts.join(", ")}`).toBe(expected);
    }
  });

  it("cannot be used after its digest", async () => {
    const hasher = await createCrc32c(factory);
    hasher.digest();
    expect(() => hasher.update(new Uint8Array(1))).toThrow(/after digest/);
    expect(() => hasher.digest()).toThrow(/twice/);
  });
});
