import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "./byteEncoding";
import { createHasher, type HashAlgorithm } from "./hashers";
import { seededRandom } from "./testing/seededRandom";

const ALGORITHMS: HashAlgorithm[] = ["md5", "sha256"];
const nodeHex = (algorithm: HashAlgorithm, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest("hex");
const noWasm = () => Promise.reject(new Error("WebAssembly.compile(): refused by Content-Security-Policy"));

describe.each(ALGORITHMS)("createHasher(%s)", (algorithm) => {
  it("uses WebAssembly where it may", async () => {
    expect((await createHasher(algorithm)).implementation).toBe("wasm");
  });

  it.each([
    ["WebAssembly", undefined],
    ["the pure-JS fallback", noWasm],
  ] as const)("%s matches node:crypto on every length from 0 to 200 (every padding boundary)", async (_, factory) => {
    const data = randomBytes(200);
    for (let length = 0; length <= 200; length++) {
      const hasher = await createHasher(algorithm, factory);
      hasher.update(data.subarray(0, length));
      expect(bytesToHex(hasher.digest()), `length ${length}`).toBe(nodeHex(algorithm, data.subarray(0, length)));
    }
  });

  it("matches node:crypto on random lengths fed in random chunks", async () => {
    const random = seededRandom(algorithm.length);
    for (let round = 0; round < 20; round++) {
      const length = Math.floor(random() * 300_000);
      const data = randomBytes(length);
      const hasher = await createHasher(algorithm);
      for (let offset = 0; offset < length; ) {
        const take = Math.min(length - offset, 1 + Math.floor(random() * 70_000));
        hasher.update(data.subarray(offset, offset + take));
        offset += take;
      }
      expect(bytesToHex(hasher.digest()), `length ${length}`).toBe(nodeHex(algorithm, data));
    }
  });

  it("falls back to pure JS when WebAssembly cannot be compiled", async () => {
    const hasher = await createHasher(algorithm, noWasm);
    expect(hasher.implementation).toBe("js");
    hasher.update(new TextEncoder().encode("abc"));
    expect(bytesToHex(hasher.digest())).toBe(nodeHex(algorithm, new TextEncoder().encode("abc")));
  });

  it("keeps concurrent hashes apart (each has its own memory)", async () => {
    const [a, b] = [randomBytes(100_000), randomBytes(70_000)];
    const [ha, hb] = await Promise.all([createHasher(algorithm), createHasher(algorithm)]);
    for (let offset = 0; offset < 100_000; offset += 10_000) {
      ha.update(a.subarray(offset, offset + 10_000));
      hb.update(b.subarray(offset, offset + 10_000));
    }
    expect(bytesToHex(ha.digest())).toBe(nodeHex(algorithm, a));
    expect(bytesToHex(hb.digest())).toBe(nodeHex(algorithm, b));
  });

  it("refuses to be used after digest()", async () => {
    const hasher = await createHasher(algorithm);
    hasher.digest();
    expect(() => hasher.update(new Uint8Array(1))).toThrow();
    expect(() => hasher.digest()).toThrow();
  });
});
