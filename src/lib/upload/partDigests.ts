/**
 * Each part's MD5, computed before the part's URL is requested (the digest is signed into the
 * URL). Parts are hashed one at a time, one chunk at a time, so hashing ahead of the uploads
 * never holds more than one chunk of the file (`chunkBytes` in-process; a part in the worker).
 */
import { bytesToBase64, bytesToHex } from "./byteEncoding";
import { InProcessPartHasher, type PartHasher } from "./partHasher";

export interface PartDigest {
  /** For the Content-MD5 header. */
  md5Base64: string;
  /** For comparing with the ETag storage returns. */
  md5Hex: string;
}

export class PartDigests {
  private readonly computing = new Map<number, Promise<PartDigest>>();
  private readonly ready = new Map<number, PartDigest>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly partBlob: (partNumber: number) => Blob,
    chunkBytes: number,
    private readonly signal: AbortSignal,
    private readonly hasher: PartHasher = new InProcessPartHasher(chunkBytes),
  ) {}

  /** The part's digest, computed once (after every digest requested before it). */
  digestFor(partNumber: number): Promise<PartDigest> {
    const existing = this.computing.get(partNumber);
    if (existing) return existing;
    const run = () => this.compute(partNumber);
    const digest: Promise<PartDigest> = this.queue.then(run, run).then((computed) => {
      if (this.computing.get(partNumber) === digest) this.ready.set(partNumber, computed);
      return computed;
    });
    this.queue = digest;
    // Callers await it; this only keeps a digest nobody awaits from being an unhandled rejection.
    digest.catch(() => {});
    this.computing.set(partNumber, digest);
    return digest;
  }

  /** The digest being computed for this part, if one is requested; never starts one. */
  async pendingDigest(partNumber: number): Promise<PartDigest | undefined> {
    const computing = this.computing.get(partNumber);
    return computing ? await computing : undefined;
  }

  /** The digest if it is already computed. */
  peek(partNumber: number): PartDigest | undefined {
    return this.ready.get(partNumber);
  }

  /** Reads the part again: after storage saw other bytes, the file may have changed. */
  recompute(partNumber: number): Promise<PartDigest> {
    this.forget(partNumber);
    return this.digestFor(partNumber);
  }

  forget(partNumber: number): void {
    this.computing.delete(partNumber);
    this.ready.delete(partNumber);
  }

  private async compute(partNumber: number): Promise<PartDigest> {
    this.signal.throwIfAborted();
    const bytes = await this.hasher.md5(this.partBlob(partNumber), { signal: this.signal });
    return { md5Base64: bytesToBase64(bytes), md5Hex: bytesToHex(bytes) };
  }
}
