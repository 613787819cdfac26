/**
 * Incremental MD5 and SHA-256 for the engine: WebAssembly (`hash-wasm`) where the page may run
 * it, else the pure-JS `Md5` / `Sha256` (a Content-Security-Policy without `'wasm-unsafe-eval'`
 * refuses to compile WebAssembly). WebCrypto has no MD5, and its SHA-256 needs the whole input
 * in memory at once; these are fed a chunk at a time.
 */
import { createMD5, createSHA256, type IHasher } from "hash-wasm";
import { Md5 } from "./md5";
import { Sha256 } from "./sha256";

export type HashAlgorithm = "md5" | "sha256";

export interface IncrementalHasher {
  update(data: Uint8Array): void;
  /** The digest; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
  /** "wasm" or "js": which implementation this is. */
  readonly implementation: "wasm" | "js";
}

export type WasmHasherFactory = () => Promise<IHasher>;

const WASM_FACTORIES: Record<HashAlgorithm, WasmHasherFactory> = { md5: createMD5, sha256: createSHA256 };

/**
 * A fresh hasher (each has its own WebAssembly memory, so concurrent hashes never share state).
 * `wasmFactory` is for tests: a factory that rejects shows the pure-JS fallback.
 */
export async function createHasher(
  algorithm: HashAlgorithm,
  wasmFactory: WasmHasherFactory = WASM_FACTORIES[algorithm],
): Promise<IncrementalHasher> {
  let wasm: IHasher;
  try {
    wasm = await wasmFactory();
  } catch {
    return pureJsHasher(algorithm);
  }
  wasm.init();
  let finished = false;
  return {
    implementation: "wasm",
    update(data) {
      if (finished) throw new Error("update() called after digest()");
      wasm.update(data);
    },
    digest() {
      if (finished) throw new Error("digest() called twice");
      finished = true;
      return wasm.digest("binary");
    },
  };
}

function pureJsHasher(algorithm: HashAlgorithm): IncrementalHasher {
  const hasher = algorithm === "md5" ? new Md5() : new Sha256();
  return {
    implementation: "js",
    update: (data) => void hasher.update(data),
    digest: () => hasher.digest(),
  };
}
