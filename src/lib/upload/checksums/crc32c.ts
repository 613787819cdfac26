/**
 * Incremental CRC32C (Castagnoli) for part checksums: WebAssembly (`hash-wasm`'s CRC32 with the
 * Castagnoli polynomial) where the page may compile it, else the pure-JS slicing-by-16 of
 * `convex/lib/crc32c.ts` (a Content-Security-Policy without `'wasm-unsafe-eval'` refuses to
 * compile WebAssembly). Measured (`scripts/bench/README.md`): WebAssembly 1.7–1.8 GiB/s in Node,
 * pure JS 1.2–1.3 GiB/s; both far faster than the page reads a file, so the fallback costs little.
 */
import { createCRC32, type IHasher } from "hash-wasm";
import { CRC32C_INITIAL, CRC32C_POLYNOMIAL, crc32cUpdate } from "../../../../convex/lib/crc32c";

export type Crc32cImplementation = "wasm" | "js";

export interface Crc32cHasher {
  readonly implementation: Crc32cImplementation;
  update(bytes: Uint8Array): void;
  /** The CRC32C of every byte given, as an unsigned 32-bit number; the hasher cannot be used afterwards. */
  digest(): number;
}

export type WasmCrc32Factory = (polynomial: number) => Promise<IHasher>;

/** Set once WebAssembly failed to compile here: every later hasher is pure JS without trying again. */
let wasmRefused = false;

/**
 * A fresh hasher (each WebAssembly one has its own memory, so concurrent checksums never share
 * state). `wasmFactory` is for tests: one that rejects shows the fallback.
 */
export async function createCrc32c(wasmFactory: WasmCrc32Factory = createCRC32): Promise<Crc32cHasher> {
  if (!wasmRefused || wasmFactory !== createCRC32) {
    try {
      const wasm = await wasmFactory(CRC32C_POLYNOMIAL);
      wasm.init();
      return finishOnce("wasm", (bytes) => void wasm.update(bytes), () => readUint32BigEndian(wasm.digest("binary")));
    } catch {
      if (wasmFactory === createCRC32) wasmRefused = true;
    }
  }
  let crc = CRC32C_INITIAL;
  return finishOnce("js", (bytes) => (crc = crc32cUpdate(crc, bytes)), () => crc);
}

function finishOnce(implementation: Crc32cImplementation, update: (bytes: Uint8Array) => void, digest: () => number): Crc32cHasher {
  let finished = false;
  return {
    implementation,
    update(bytes) {
      if (finished) throw new Error("update() called after digest()");
      update(bytes);
    },
    digest() {
      if (finished) throw new Error("digest() called twice");
      finished = true;
      return digest();
    },
  };
}

function readUint32BigEndian(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
}
