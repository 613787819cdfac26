/**
 * The browser's `PartChecksums`: reads the part as a stream and computes its CRC32C as the bytes
 * arrive, on the page's own thread. CRC32C runs at well over 1 GiB/s, so the cost is the read,
 * which a Web Worker would not make cheaper (the benchmark measured both; see
 * `scripts/bench/README.md`). Records which implementation ran, for the page to show.
 */
import { crc32cToBase64 } from "../../../../convex/lib/crc32c";
import type { PartChecksums } from "../core/partChecksums";
import { readBlob } from "./blobChunks";
import { createCrc32c, type Crc32cImplementation, type WasmCrc32Factory } from "./crc32c";

export class Crc32cPartChecksums implements PartChecksums {
  /** The implementation of the last checksum computed, or null before the first. */
  implementation: Crc32cImplementation | null = null;

  constructor(
    private readonly onComputed: (implementation: Crc32cImplementation) => void = () => {},
    private readonly wasmFactory?: WasmCrc32Factory,
  ) {}

  async crc32c(blob: Blob, { signal }: { signal: AbortSignal }): Promise<string> {
    const hasher = await createCrc32c(this.wasmFactory);
    await readBlob(blob, (chunk) => hasher.update(chunk), signal);
    const checksum = crc32cToBase64(hasher.digest());
    this.implementation = hasher.implementation;
    this.onComputed(hasher.implementation);
    return checksum;
  }
}
