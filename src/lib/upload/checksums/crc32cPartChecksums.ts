/**
 * The browser's `PartChecksums`: reads the part as a stream, into one buffer reused from part to
 * part, and computes its CRC32C as the bytes arrive, on the page's own thread. CRC32C runs at
 * over 1 GiB/s; reading is most of the cost, and a Web Worker would not make it cheaper, only
 * move it (the benchmark's main-thread figures: `scripts/bench/README.md`). Records which
 * implementation ran, for the page to show.
 */
import { crc32cToBase64 } from "../../../../convex/lib/crc32c";
import type { PartChecksums } from "../core/partChecksums";
import { readBlob } from "./blobChunks";
import { createCrc32c, type Crc32cImplementation, type WasmCrc32Factory } from "./crc32c";

export class Crc32cPartChecksums implements PartChecksums {
  /** The implementation of the last checksum computed, or null before the first. */
  implementation: Crc32cImplementation | null = null;
  private spareBuffer: ArrayBuffer | null = null;

  constructor(
    private readonly onComputed: (implementation: Crc32cImplementation) => void = () => {},
    private readonly wasmFactory?: WasmCrc32Factory,
  ) {}

  async crc32c(blob: Blob, { signal }: { signal: AbortSignal }): Promise<string> {
    const hasher = await createCrc32c(this.wasmFactory);
    // One read buffer, reused part after part (a checksum computed meanwhile reads into its own).
    const buffer = this.spareBuffer ?? undefined;
    this.spareBuffer = null;
    this.spareBuffer = await readBlob(blob, (chunk) => hasher.update(chunk), signal, buffer);
    const checksum = crc32cToBase64(hasher.digest());
    this.implementation = hasher.implementation;
    this.onComputed(hasher.implementation);
    return checksum;
  }
}
