/**
 * The buffering and padding that MD5 and SHA-256 share (both are Merkle–Damgård hashes over
 * 64-byte blocks): callers feed any number of bytes at a time; subclasses compress full blocks.
 */

const BLOCK_BYTES = 64;

export abstract class BlockHasher {
  private readonly pending = new Uint8Array(BLOCK_BYTES);
  private pendingLength = 0;
  private totalBytes = 0;
  private finished = false;

  protected constructor(private readonly lengthByteOrder: "little-endian" | "big-endian") {}

  /** Compresses the 64-byte block at `offset` into the running state. */
  protected abstract compress(block: Uint8Array, offset: number): void;

  /** The final state as bytes, once all blocks are compressed. */
  protected abstract stateBytes(): Uint8Array;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error("update() called after digest()");
    this.totalBytes += data.length;
    this.absorb(data);
    return this;
  }

  /** The digest; the hasher cannot be updated afterwards. */
  digest(): Uint8Array {
    if (this.finished) throw new Error("digest() called twice");
    this.finished = true;
    const padding = new Uint8Array((this.pendingLength < 56 ? 56 : 120) - this.pendingLength + 8);
    padding[0] = 0x80;
    // The message length in bits as a 64-bit integer, split so byte counts past 2^29 stay exact.
    const bitsLow = (this.totalBytes % 0x20000000) * 8;
    const bitsHigh = Math.floor(this.totalBytes / 0x20000000);
    const view = new DataView(padding.buffer, padding.length - 8, 8);
    if (this.lengthByteOrder === "little-endian") {
      view.setUint32(0, bitsLow, true);
      view.setUint32(4, bitsHigh, true);
    } else {
      view.setUint32(0, bitsHigh, false);
      view.setUint32(4, bitsLow, false);
    }
    this.absorb(padding);
    return this.stateBytes();
  }

  private absorb(data: Uint8Array): void {
    let offset = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(BLOCK_BYTES - this.pendingLength, data.length);
      this.pending.set(data.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      offset = take;
      if (this.pendingLength < BLOCK_BYTES) return;
      this.compress(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; offset + BLOCK_BYTES <= data.length; offset += BLOCK_BYTES) this.compress(data, offset);
    if (offset < data.length) {
      this.pending.set(data.subarray(offset), 0);
      this.pendingLength = data.length - offset;
    }
  }
}
