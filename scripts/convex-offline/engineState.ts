/**
 * The part of convex-test's state the offline backend keeps on disk: its database (documents
 * by id, the id counter, the last creation time) and its transaction manager (the last commit
 * timestamp, and the commit itself, hooked to journal each transaction's writes).
 *
 * convex-test exports none of this: `convexTest()` keeps it in an object it enters with an
 * AsyncLocalStorage on every call. `reachEngineState` catches that object as a call enters it,
 * and checks its shape, so that a convex-test upgrade that changes it stops start-up with a
 * clear message instead of losing data. (Written against convex-test 0.0.60.)
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { CommitRecord, EngineSnapshot, StoredState } from "./dataStore";

export type StoredDocument = { _id: string; _creationTime: number } & Record<string, Value>;

/** convex-test's `DatabaseFake`, as far as it is used here. */
type DatabaseFake = {
  _documents: Record<string, StoredDocument>;
  /** Pending writes, one layer per open (nested) transaction. */
  _writes: Record<string, StoredDocument | null>[];
  _nextDocId: number;
  _lastCreationTime: number;
  get(table: string | undefined, id: string): StoredDocument | null;
  patch(table: string, id: string, value: Record<string, JSONValue>): void;
};

/** convex-test's `TransactionManager`, as far as it is used here. */
type TransactionManager = {
  _lastCommitTs: bigint;
  /** The outermost commit returns its timestamp; a nested one returns null. */
  commit(isNested: boolean): bigint | null;
};

type ConvexTestGlobal = {
  components: Record<string, { db: DatabaseFake }>;
  transactionManager: TransactionManager;
};

export type EngineState = { db: DatabaseFake; transactions: TransactionManager };

/** Reaches the state behind a `convexTest()` instance by running one empty transaction in it. */
export async function reachEngineState(t: { run(handler: () => Promise<null>): Promise<unknown> }): Promise<EngineState> {
  const prototype = AsyncLocalStorage.prototype as { run: (store: unknown, ...rest: unknown[]) => unknown };
  const run = prototype.run;
  let found: unknown;
  prototype.run = function (this: AsyncLocalStorage<unknown>, store: unknown, ...rest: unknown[]) {
    if (found === undefined && isConvexTestGlobal(store)) found = store;
    return run.call(this, store, ...rest);
  };
  let ran: Promise<unknown>;
  try {
    // convex-test enters its state synchronously, at the start of the call.
    ran = t.run(() => Promise.resolve(null));
  } finally {
    prototype.run = run;
  }
  await ran;
  if (!isConvexTestGlobal(found)) {
    throw new Error(
      "The offline backend could not reach convex-test's database to keep it on disk " +
        "(written for convex-test 0.0.60; a newer one may keep its state differently).",
    );
  }
  const components = Object.keys(found.components);
  if (components.length !== 1 || components[0] !== "") {
    throw new Error(`The offline backend keeps only the root component's data, not components (${components.join(", ")}).`);
  }
  return { db: found.components[""]!.db, transactions: found.transactionManager };
}

function isConvexTestGlobal(value: unknown): value is ConvexTestGlobal {
  const candidate = value as Partial<ConvexTestGlobal> | undefined;
  const db = candidate?.components?.[""]?.db;
  const transactions = candidate?.transactionManager;
  return (
    typeof db === "object" &&
    typeof db._documents === "object" &&
    Array.isArray(db._writes) &&
    typeof db._nextDocId === "number" &&
    typeof db._lastCreationTime === "number" &&
    typeof db.get === "function" &&
    typeof db.patch === "function" &&
    typeof transactions === "object" &&
    typeof transactions._lastCommitTs === "bigint" &&
    typeof transactions.commit === "function"
  );
}

/** Puts what the data folder held into a fresh engine, ids, creation times and counters as they were. */
export function restoreEngineState({ db, transactions }: EngineState, stored: StoredState): void {
  if (Object.keys(db._documents).length > 0) throw new Error("The engine already holds documents");
  for (const [id, document] of stored.documents) db._documents[id] = jsonToConvex(document) as StoredDocument;
  db._nextDocId = Math.max(db._nextDocId, stored.nextDocId);
  db._lastCreationTime = Math.max(db._lastCreationTime, stored.lastCreationTime);
  if (stored.lastCommitTs > transactions._lastCommitTs) transactions._lastCommitTs = stored.lastCommitTs;
}

/**
 * Journals the writes of every outermost transaction that commits (a mutation, an
 * action's `runMutation`, a scheduled function or cron, an HTTP action's writes, a scheduled
 * function's state change), synchronously, right after convex-test applied them.
 */
export function onEveryCommit(
  { db, transactions }: EngineState,
  journal: { appendCommit(commit: CommitRecord): void; fail(error: unknown): void },
): void {
  const commit = transactions.commit.bind(transactions);
  transactions.commit = (isNested) => {
    if (isNested) return commit(isNested);
    const ids = Object.keys(db._writes.at(-1) ?? {});
    const ts = commit(isNested);
    if (ids.length === 0 || ts === null) return ts;
    try {
      journal.appendCommit({
        ts: ts.toString(),
        nextDocId: db._nextDocId,
        lastCreationTime: db._lastCreationTime,
        writes: ids.map((id) => {
          const document = db._documents[id];
          return [id, document === undefined ? null : convexToJson(document)];
        }),
      });
    } catch (error) {
      // The transaction has committed in memory; throwing here would make convex-test roll back
      // what it no longer can. The journal refuses every answer from now on instead.
      journal.fail(error);
    }
    return ts;
  };
}

/** Every document and counter, for a snapshot. Synchronous, so it falls between two commits. */
export function snapshotEngineState({ db, transactions }: EngineState): EngineSnapshot {
  return {
    documents: Object.entries(db._documents).map(([id, document]) => [id, convexToJson(document)]),
    nextDocId: db._nextDocId,
    lastCreationTime: db._lastCreationTime,
    lastCommitTs: transactions._lastCommitTs,
  };
}
