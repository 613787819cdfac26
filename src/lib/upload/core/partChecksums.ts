/**
 * Each part's checksum, which is signed into the part's URL (so storage refuses any other body)
 * and so must be known before the URL is asked for. `PartChecksums` is the port that computes
 * one (the browser's is `checksums/`); `PartChecksumQueue` schedules them for an upload: one part
 * at a time, in the order they are first asked for, each computed once and kept until the part
 * is recorded, so hashing ahead of the uploads never reads more than one part at a time.
 */

export interface PartChecksums {
  /**
   * The CRC32C of the blob's bytes as S3's `x-amz-checksum-crc32c` value (base64 of the 4 bytes,
   * big-endian). Rejects with the signal's reason once it aborts, and with an `UploadError`
   * `file_unreadable` when the file cannot be read.
   */
  crc32c(blob: Blob, options: { signal: AbortSignal }): Promise<string>;
}

export class PartChecksumQueue {
  private readonly computing = new Map<number, Promise<string>>();
  private readonly ready = new Map<number, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly checksums: PartChecksums,
    private readonly partBlob: (partNumber: number) => Blob,
    private readonly signal: AbortSignal,
  ) {}

  /** The part's checksum, computed once (after every checksum requested before it). */
  checksumFor(partNumber: number): Promise<string> {
    const existing = this.computing.get(partNumber);
    if (existing) return existing;
    const run = () => this.compute(partNumber);
    const checksum: Promise<string> = this.queue.then(run, run).then((computed) => {
      if (this.computing.get(partNumber) === checksum) this.ready.set(partNumber, computed);
      return computed;
    });
    this.queue = checksum;
    // Callers await it; this only keeps a checksum nobody awaits from being an unhandled rejection.
    checksum.catch(() => {});
    this.computing.set(partNumber, checksum);
    return checksum;
  }

  /** The checksum being computed for this part, if one was requested; never starts one. */
  async pendingChecksum(partNumber: number): Promise<string | undefined> {
    const computing = this.computing.get(partNumber);
    return computing ? await computing : undefined;
  }

  /** The checksum if it is already computed. */
  peek(partNumber: number): string | undefined {
    return this.ready.get(partNumber);
  }

  /** Reads the part again: after storage saw other bytes, the file may have changed. */
  recompute(partNumber: number): Promise<string> {
    this.forget(partNumber);
    return this.checksumFor(partNumber);
  }

  forget(partNumber: number): void {
    this.computing.delete(partNumber);
    this.ready.delete(partNumber);
  }

  private async compute(partNumber: number): Promise<string> {
    this.signal.throwIfAborted();
    return await this.checksums.crc32c(this.partBlob(partNumber), { signal: this.signal });
  }
}
