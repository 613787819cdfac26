/**
 * The framing of the offline backend's files and the fsync'd file operations under them.
 *
 * A record is `u32 LE payload length | u32 LE CRC-32 of the payload | payload` (UTF-8 JSON).
 * The journal is a sequence of records appended in commit order; a snapshot is one record in
 * a file of its own. A crash in the middle of an append leaves a torn last record: its length
 * runs past the end of the file, or its checksum does not match. `scanRecords` stops there
 * and says where and why, so the caller can drop that tail and keep every whole record
 * before it.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { open, rename, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";

const HEADER_BYTES = 8;
/** No record is this big (Convex caps a transaction's writes at 16 MiB); a larger length is damage. */
const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export function encodeRecord(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

export type ScannedRecord = { payload: unknown; offset: number; end: number };

export type DamagedTail = {
  /** Where the first record that is not whole starts; everything from here on is dropped. */
  offset: number;
  reason: string;
  /** Whole records found after the damaged one (more than 0: damage inside the file, not a torn append). */
  wholeRecordsAfter: number;
};

export type ScanResult = { records: ScannedRecord[]; damaged?: DamagedTail };

/** Reads records from the start of `bytes` up to the first one that is not whole. */
export function scanRecords(bytes: Buffer): ScanResult {
  const records: ScannedRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const read = readRecord(bytes, offset);
    if ("reason" in read) {
      return { records, damaged: { offset, reason: read.reason, wholeRecordsAfter: countWholeRecordsAfter(bytes, offset) } };
    }
    records.push(read);
    offset = read.end;
  }
  return { records };
}

function readRecord(bytes: Buffer, offset: number): ScannedRecord | { reason: string } {
  const left = bytes.length - offset;
  if (left < HEADER_BYTES) return { reason: `a record header cut short (${left} of ${HEADER_BYTES} bytes)` };
  const length = bytes.readUInt32LE(offset);
  const checksum = bytes.readUInt32LE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return { reason: `an impossible record length (${length} bytes)` };
  if (length > left - HEADER_BYTES) {
    return { reason: `a record cut short (${left - HEADER_BYTES} of ${length} bytes)` };
  }
  const body = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  if (crc32(body) !== checksum) return { reason: "a record whose checksum does not match" };
  try {
    return { payload: JSON.parse(body.toString("utf8")) as unknown, offset, end: offset + HEADER_BYTES + length };
  } catch {
    return { reason: "a record that is not JSON" };
  }
}

/** If the damaged record's length is believable, how many whole records follow it to the end. */
function countWholeRecordsAfter(bytes: Buffer, offset: number): number {
  if (bytes.length - offset < HEADER_BYTES) return 0;
  let next = offset + HEADER_BYTES + bytes.readUInt32LE(offset);
  let count = 0;
  while (next < bytes.length) {
    const read = readRecord(bytes, next);
    if ("reason" in read) break;
    count++;
    next = read.end;
  }
  return count;
}

/** Makes a directory entry (a created, renamed or removed file) durable. */
export function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `file` with `bytes` atomically: a temporary file, fsync, rename, fsync of the directory. */
export async function writeFileAtomically(file: string, bytes: Buffer): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, bytes);
  const handle = await open(temporary, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  fsyncDirectory(path.dirname(file));
}

/**
 * Appends records to a file and makes them durable in batches (group commit): while one
 * write + fdatasync is under way, later records wait and go together in the next one.
 */
export class AppendOnlyFile {
  private pending: Buffer[] = [];
  private appended = 0;
  private durable = 0;
  private flushing: Promise<void> | undefined;
  private waiters: { upTo: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private failure: unknown;

  private constructor(
    private readonly handle: FileHandle,
    /** Bytes in the file, durable or being written. */
    public size: number,
    /** Runs after a batch is durable and before the next one is written (compaction). */
    private readonly afterBatch: () => Promise<void>,
  ) {}

  /** Opens `file` for appending after its first `keepBytes` bytes (a damaged tail is cut off). */
  static async open(file: string, keepBytes: number, afterBatch: () => Promise<void>): Promise<AppendOnlyFile> {
    const handle = await open(file, "a");
    const { size } = await handle.stat();
    if (size !== keepBytes) {
      await handle.truncate(keepBytes);
      await handle.datasync();
    }
    fsyncDirectory(path.dirname(file));
    return new AppendOnlyFile(handle, keepBytes, afterBatch);
  }

  /** Queues `record`; `whenDurable()` resolves once it is on disk. */
  append(record: Buffer): void {
    // After a failed write nothing more is written; `whenDurable()` reports the failure.
    if (this.failure !== undefined) return;
    this.pending.push(record);
    this.appended++;
    this.size += record.length;
    this.flushing ??= this.flush();
  }

  /** Resolves once every record appended so far is durable. */
  whenDurable(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.durable === this.appended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.appended, resolve, reject }));
  }

  /** Stops writing: `whenDurable()` rejects with `error` from now on (a record could not be made). */
  fail(error: unknown): void {
    this.failure ??= error;
    this.settle(() => true, (waiter) => waiter.reject(this.failure));
  }

  /** Empties the file (its records are in a durable snapshot now). Call from `afterBatch` only. */
  async truncate(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.size = this.pending.reduce((bytes, record) => bytes + record.length, 0);
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = Buffer.concat(this.pending);
        const upTo = this.appended;
        this.pending = [];
        await this.handle.write(batch);
        await this.handle.datasync();
        this.durable = upTo;
        this.settle((waiter) => waiter.upTo <= upTo, (waiter) => waiter.resolve());
        await this.afterBatch();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.flushing = undefined;
    }
  }

  private settle(
    matches: (waiter: AppendOnlyFile["waiters"][number]) => boolean,
    settle: (waiter: AppendOnlyFile["waiters"][number]) => void,
  ): void {
    const done = this.waiters.filter(matches);
    this.waiters = this.waiters.filter((waiter) => !matches(waiter));
    done.forEach(settle);
  }
}
