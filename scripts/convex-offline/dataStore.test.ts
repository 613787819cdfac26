import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JSONValue } from "convex/values";
import { DataStore, type CommitRecord, type EngineSnapshot } from "./dataStore";
import { silentLogger } from "./log";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A stand-in for the engine: documents written by `commit`, as the commit hook reports them. */
function engine() {
  const documents = new Map<string, JSONValue>();
  let nextDocId = 10_000;
  return {
    commit(store: DataStore, body: string): string {
      const id = `${nextDocId++}messages`;
      const document = { _id: id, _creationTime: nextDocId, body };
      documents.set(id, document);
      const record: CommitRecord = { ts: String(nextDocId), nextDocId, lastCreationTime: nextDocId, writes: [[id, document]] };
      store.appendCommit(record);
      return id;
    },
    snapshot(): EngineSnapshot {
      return { documents: [...documents], nextDocId, lastCreationTime: nextDocId, lastCommitTs: BigInt(nextDocId) };
    },
  };
}

describe("DataStore compaction", () => {
  it("snapshots and truncates the journal as records accumulate, and loses none of them", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "convex-offline-store-")), "data");
    folders.push(path.dirname(dataDir));
    const store = await DataStore.open(dataDir, { log: silentLogger, compactEveryRecords: 5 });
    const fake = engine();
    store.setSnapshotSource(() => fake.snapshot());
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      ids.push(fake.commit(store, `message ${i}`));
      // Some commits wait for the disk, others pile up behind a batch being written.
      if (i % 4 === 0) await store.whenDurable();
    }
    await store.whenDurable();
    await store.close();
    expect(existsSync(path.join(dataDir, "snapshot"))).toBe(true);
    // Truncated at the last snapshot: far smaller than 23 records.
    expect(statSync(path.join(dataDir, "journal")).size).toBeLessThan(10 * 120);

    const reopened = await DataStore.open(dataDir, { log: silentLogger });
    try {
      expect([...reopened.restored.documents.keys()].sort()).toEqual([...ids].sort());
      expect(reopened.restored.nextDocId).toBe(10_023);
    } finally {
      await reopened.close();
    }
  });

  it("refuses a second store on the same folder while the first is open", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "convex-offline-store-")), "data");
    folders.push(path.dirname(dataDir));
    const first = await DataStore.open(dataDir, { log: silentLogger });
    try {
      await expect(DataStore.open(dataDir, { log: silentLogger })).rejects.toThrow(/Another offline Convex backend is using/);
    } finally {
      await first.close();
    }
    await (await DataStore.open(dataDir, { log: silentLogger })).close();
  });
});
