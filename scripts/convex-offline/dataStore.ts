/**
 * Where the offline backend keeps its data between runs: a folder (`<state dir>/convex-data`
 * under `npm run dev`) holding a snapshot and a write-ahead journal.
 *
 * - `journal`: one record per committed transaction (the documents it wrote, as they are after
 *   the commit, or null for a delete), plus small records for the cron jobs' next runs and the
 *   commit clock's reserve. Records are appended in commit order and fdatasync'd in batches;
 *   a function is answered only once the records of what it committed are durable.
 * - `snapshot`: every document at one journal sequence number, written atomically (temporary
 *   file, fsync, rename, fsync of the folder). After a snapshot the journal is truncated;
 *   records at or below the snapshot's sequence number are skipped should the truncation not
 *   have happened before a crash.
 *
 * On start-up the snapshot is loaded and the journal replayed. A journal ending in a record
 * that is not whole (a crash in the middle of an append) is cut back to the last whole record,
 * the cut bytes are saved next to it, and a log line says so.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { JSONValue } from "convex/values";
import { claim, type Claim } from "../dev/processClaims";
import { AppendOnlyFile, encodeRecord, fsyncDirectory, scanRecords, writeFileAtomically, type DamagedTail, type ScannedRecord } from "./journal";
import type { CronPlan } from "./cronRunner";
import type { Logger } from "./log";

/** One committed transaction: what each written document is after it (null: deleted). */
export type CommitRecord = {
  ts: string;
  nextDocId: number;
  lastCreationTime: number;
  writes: [id: string, document: JSONValue | null][];
};

type JournalEntry = { seq: number } & (
  | { commit: CommitRecord }
  | { cron: CronPlan & { id: string } }
  | { clockReserve: string }
);

/** What the engine (convex-test) holds that a snapshot keeps. */
export type EngineSnapshot = {
  documents: [id: string, document: JSONValue][];
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: bigint;
};

export type StoredState = {
  documents: Map<string, JSONValue>;
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: bigint;
  crons: Map<string, CronPlan>;
  /** No commit clock timestamp at or above this was handed out before. */
  clockReserve: bigint;
};

type SnapshotFile = {
  format: typeof SNAPSHOT_FORMAT;
  seq: number;
  documents: [string, JSONValue][];
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: string;
  crons: Record<string, CronPlan>;
  clockReserve: string;
};

export type DataStoreOptions = {
  /** Start empty: the folder's data is moved to `<folder>.previous` first. */
  fresh?: boolean;
  log: Logger;
  /** Snapshot and truncate the journal after this many records (default 1,000). */
  compactEveryRecords?: number;
};

const SNAPSHOT_FORMAT = "reeldrop-convex-offline-snapshot-v1";
const SNAPSHOT_FILE = "snapshot";
const JOURNAL_FILE = "journal";
const COMPACT_EVERY_RECORDS = 1_000;
const COMPACT_AT_JOURNAL_BYTES = 64 * 1024 * 1024;

export class DataFolderInUseError extends Error {
  constructor(dataDir: string) {
    super(`Another offline Convex backend is using ${dataDir}. Stop it first, or give this one another data folder.`);
    this.name = "DataFolderInUseError";
  }
}

export class DataStore {
  private journal!: AppendOnlyFile;
  private seq: number;
  private recordsSinceSnapshot = 0;
  private snapshotSource: (() => EngineSnapshot) | undefined;
  private readonly crons: Map<string, CronPlan>;
  private clockReserve: bigint;

  private constructor(
    readonly dataDir: string,
    /** What the folder held at start-up. */
    readonly restored: StoredState,
    /** How much was read at start-up, for the banner. */
    readonly loaded: { snapshot: boolean; journalRecords: number },
    seq: number,
    private readonly lock: Claim,
    private readonly log: Logger,
    private readonly compactEvery: number,
  ) {
    this.seq = seq;
    this.crons = new Map(restored.crons);
    this.clockReserve = restored.clockReserve;
  }

  static async open(dataDir: string, options: DataStoreOptions): Promise<DataStore> {
    const folder = path.resolve(dataDir);
    const lock = await claim(`convex-offline-data:${folder}`);
    if (!lock) throw new DataFolderInUseError(folder);
    try {
      if (options.fresh) await moveAside(folder, options.log);
      await mkdir(folder, { recursive: true });
      fsyncDirectory(path.dirname(folder));
      const snapshot = await readSnapshot(path.join(folder, SNAPSHOT_FILE));
      const state = snapshot ? stateFromSnapshot(snapshot) : emptyState();
      const journalFile = path.join(folder, JOURNAL_FILE);
      const journal = await readJournal(journalFile, snapshot?.seq ?? 0, options.log);
      for (const entry of journal.entries) applyEntry(state, entry);
      const seq = journal.entries.at(-1)?.seq ?? snapshot?.seq ?? 0;
      const store = new DataStore(
        folder,
        state,
        { snapshot: snapshot !== undefined, journalRecords: journal.entries.length },
        seq,
        lock,
        options.log,
        options.compactEveryRecords ?? COMPACT_EVERY_RECORDS,
      );
      store.recordsSinceSnapshot = journal.entries.length;
      store.journal = await AppendOnlyFile.open(journalFile, journal.keepBytes, () => store.compactIfDue());
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Journals a committed transaction; `whenDurable()` tells when it is on disk. */
  appendCommit(commit: CommitRecord): void {
    this.append({ commit });
  }

  /** A commit could not be journaled: nothing is durable from here on, and every answer says so. */
  fail(error: unknown): void {
    this.log.error(`[data] a commit could not be journaled; nothing more is kept: ${String(error)}`);
    this.journal.fail(error);
  }

  appendCronPlan(id: string, plan: CronPlan): void {
    this.crons.set(id, plan);
    this.append({ cron: { id, ...plan } });
  }

  reserveClock(until: bigint): void {
    this.clockReserve = until;
    this.append({ clockReserve: until.toString() });
  }

  /** Resolves once everything journaled so far is durable; rejects if the journal cannot be written. */
  whenDurable(): Promise<void> {
    return this.journal.whenDurable();
  }

  /** Where snapshots take the documents from; compaction starts once this is set. */
  setSnapshotSource(source: () => EngineSnapshot): void {
    this.snapshotSource = source;
  }

  /** Writes a snapshot now and truncates the journal (start-up, before anything else is journaled). */
  async compact(): Promise<void> {
    await this.journal.whenDurable();
    await this.writeSnapshot();
  }

  async close(): Promise<void> {
    try {
      await this.journal.close();
    } finally {
      this.lock.release();
    }
  }

  private append(entry: Omit<JournalEntry, "seq">): void {
    this.seq++;
    this.recordsSinceSnapshot++;
    this.journal.append(encodeRecord({ seq: this.seq, ...entry }));
  }

  private async compactIfDue(): Promise<void> {
    if (this.recordsSinceSnapshot >= this.compactEvery || this.journal.size >= COMPACT_AT_JOURNAL_BYTES) {
      await this.writeSnapshot();
    }
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.snapshotSource) return;
    // Taken synchronously, between two commits: it holds exactly the records up to `seq`.
    const engine = this.snapshotSource();
    const snapshot: SnapshotFile = {
      format: SNAPSHOT_FORMAT,
      seq: this.seq,
      documents: engine.documents,
      nextDocId: engine.nextDocId,
      lastCreationTime: engine.lastCreationTime,
      lastCommitTs: engine.lastCommitTs.toString(),
      crons: Object.fromEntries(this.crons),
      clockReserve: this.clockReserve.toString(),
    };
    this.recordsSinceSnapshot = 0;
    await writeFileAtomically(path.join(this.dataDir, SNAPSHOT_FILE), encodeRecord(snapshot));
    await this.journal.truncate();
  }
}

function emptyState(): StoredState {
  return {
    documents: new Map(),
    nextDocId: 0,
    lastCreationTime: 0,
    lastCommitTs: 0n,
    crons: new Map(),
    clockReserve: 0n,
  };
}

function stateFromSnapshot(snapshot: SnapshotFile): StoredState {
  return {
    documents: new Map(snapshot.documents),
    nextDocId: snapshot.nextDocId,
    lastCreationTime: snapshot.lastCreationTime,
    lastCommitTs: BigInt(snapshot.lastCommitTs),
    crons: new Map(Object.entries(snapshot.crons)),
    clockReserve: BigInt(snapshot.clockReserve),
  };
}

function applyEntry(state: StoredState, entry: JournalEntry): void {
  if ("commit" in entry) {
    const { commit } = entry;
    for (const [id, document] of commit.writes) {
      if (document === null) state.documents.delete(id);
      else state.documents.set(id, document);
    }
    state.nextDocId = Math.max(state.nextDocId, commit.nextDocId);
    state.lastCreationTime = Math.max(state.lastCreationTime, commit.lastCreationTime);
    const ts = BigInt(commit.ts);
    if (ts > state.lastCommitTs) state.lastCommitTs = ts;
  } else if ("cron" in entry) {
    const { id, next, schedule } = entry.cron;
    state.crons.set(id, { next, schedule });
  } else {
    const reserve = BigInt(entry.clockReserve);
    if (reserve > state.clockReserve) state.clockReserve = reserve;
  }
}

/**
 * A snapshot is only ever replaced whole (rename), so a damaged one is not a crash's doing:
 * starting without it would silently lose every commit it holds, so start-up stops instead.
 */
async function readSnapshot(file: string): Promise<SnapshotFile | undefined> {
  if (!existsSync(file)) return undefined;
  const { records, damaged } = scanRecords(await readFile(file));
  const snapshot = records[0]?.payload as Partial<SnapshotFile> | undefined;
  if (damaged || records.length !== 1 || snapshot?.format !== SNAPSHOT_FORMAT) {
    throw new Error(
      `${file} is damaged (${damaged?.reason ?? "not a snapshot of this format"}). ` +
        "Move the data folder aside (or start with --fresh, which does) to start without it.",
    );
  }
  return snapshot as SnapshotFile;
}

/** The journal's records after the snapshot, up to the first one that is not whole. */
async function readJournal(
  file: string,
  snapshotSeq: number,
  log: Logger,
): Promise<{ entries: JournalEntry[]; keepBytes: number }> {
  if (!existsSync(file)) return { entries: [], keepBytes: 0 };
  const bytes = await readFile(file);
  const { records, damaged } = scanRecords(bytes);
  const entries: JournalEntry[] = [];
  let expected: number | undefined;
  let cut: DamagedTail | undefined = damaged;
  for (const [index, record] of records.entries()) {
    const entry = asEntry(record);
    if (entry === undefined || (expected !== undefined && entry.seq !== expected)) {
      const reason = entry === undefined ? "a record of an unknown kind" : `record ${entry.seq} where ${expected} was next`;
      cut = { offset: record.offset, reason, wholeRecordsAfter: records.length - index - 1 };
      break;
    }
    expected = entry.seq + 1;
    // Records the last snapshot already holds (the journal was not truncated before a crash).
    if (entry.seq > snapshotSeq) {
      if (entries.length === 0 && entry.seq !== snapshotSeq + 1) {
        const reason = `record ${entry.seq} right after a snapshot at ${snapshotSeq}`;
        cut = { offset: record.offset, reason, wholeRecordsAfter: records.length - index - 1 };
        break;
      }
      entries.push(entry);
    }
  }
  if (cut === undefined) return { entries, keepBytes: bytes.length };
  const dropped = bytes.subarray(cut.offset);
  const savedTo = `${file}.dropped-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await writeFile(savedTo, dropped);
  fsyncDirectory(path.dirname(file));
  log.warn(
    `[data] ${file} ended in ${cut.reason} at byte ${cut.offset}: dropped the last ${dropped.length} bytes ` +
      `and kept the ${entries.length} whole records before them` +
      (cut.wholeRecordsAfter > 0
        ? ` (${cut.wholeRecordsAfter} whole records followed the damaged one: the journal was damaged inside, not cut short by a crash)`
        : " (a write cut short by a crash)") +
      `. The dropped bytes are in ${savedTo}.`,
  );
  return { entries, keepBytes: cut.offset };
}

function asEntry(record: ScannedRecord): JournalEntry | undefined {
  const entry = record.payload as Partial<JournalEntry> | null;
  if (entry === null || typeof entry !== "object" || typeof entry.seq !== "number") return undefined;
  if ("commit" in entry || "cron" in entry || "clockReserve" in entry) return entry as JournalEntry;
  return undefined;
}

/** `--fresh`: the folder's data goes to `<folder>.previous` (replacing an older one there). */
async function moveAside(folder: string, log: Logger): Promise<void> {
  if (!existsSync(folder)) {
    log.info(`[data] --fresh: starting with no data (${folder} held none).`);
    return;
  }
  const aside = `${folder}.previous`;
  await rm(aside, { recursive: true, force: true });
  await rename(folder, aside);
  fsyncDirectory(path.dirname(folder));
  log.info(`[data] --fresh: starting with no data; the previous data is in ${aside}.`);
}
