/**
 * Live queries: after any write, re-run every subscribed query of every connected client
 * and let each session push what changed. Writes are coalesced: while a refresh round
 * runs, further writes mark the hub dirty and one more round follows.
 *
 * Reads never go backwards for a client. A round's results are shared between sessions, and a
 * session may also read on its own (a new subscription, a new identity) while a round runs. So
 * every read is stamped with `hub.mark()` when it completes, and every round's results when the
 * round starts: a session uses a round's shared results only if the round started after its own
 * last read completed. Otherwise a shared result read before some write could replace a newer
 * one the session already sent. (convex-test runs one transaction at a time, so a read that
 * starts after another completed sees at least everything that one saw.)
 */
import { AsyncResource } from "node:async_hooks";
import type { UserIdentity } from "convex/server";
import type { JSONValue } from "convex/values";
import type { CommitClock } from "./commitClock";
import type { FunctionExecutor, FunctionOutcome } from "./executor";
import type { Logger } from "./log";

/** A connected client that can re-run its queries as of a refresh timestamp. */
export interface LiveSession {
  refresh(ts: bigint, results: QueryResultCache): Promise<void>;
}

export class SubscriptionHub {
  private readonly sessions = new Set<LiveSession>();
  private dirty = false;
  private running = false;
  private marks = 0;
  private readonly startRounds: () => void;

  constructor(
    private readonly clock: CommitClock,
    private readonly executor: FunctionExecutor,
    private readonly log: Logger,
  ) {
    // Bound to the context the hub is created in: `invalidate` is called from inside the
    // function whose write it reports, and rounds started in that AsyncLocalStorage
    // context would look to convex-test like queries nested in that transaction.
    this.startRounds = AsyncResource.bind(() => {
      setImmediate(() => void this.runRounds());
    });
  }

  add(session: LiveSession): void {
    this.sessions.add(session);
  }

  remove(session: LiveSession): void {
    this.sessions.delete(session);
  }

  /** A point in the order of reads: later calls return larger numbers. */
  mark(): number {
    return ++this.marks;
  }

  /** Something may have changed: schedule a refresh round. */
  invalidate(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    this.startRounds();
  }

  private async runRounds(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        // Taken before any query runs: every result of the round reflects at least the
        // commits up to this timestamp.
        const ts = this.clock.tick();
        const results = new QueryResultCache(this.executor, this.mark());
        await Promise.all(
          [...this.sessions].map((session) =>
            session.refresh(ts, results).catch((error: unknown) => {
              this.log.error(`[sync] refreshing a session failed: ${String(error)}`);
            }),
          ),
        );
      }
    } finally {
      this.running = false;
    }
  }
}

/** One round's query results, shared by sessions that run the same query as the same user. */
export class QueryResultCache {
  private readonly results = new Map<string, Promise<FunctionOutcome>>();

  constructor(
    private readonly executor: FunctionExecutor,
    /** `SubscriptionHub.mark()` when the round started: every read here starts after it. */
    readonly startMark: number,
  ) {}

  get(
    udfPath: string,
    encodedArgs: JSONValue,
    auth: { identity: UserIdentity; token: string } | null,
  ): Promise<FunctionOutcome> {
    const key = JSON.stringify([auth?.token ?? null, udfPath, encodedArgs]);
    let result = this.results.get(key);
    if (!result) {
      result = this.executor.run(udfPath, encodedArgs, auth?.identity ?? null, {
        caller: "client",
        expectedKind: "query",
      });
      this.results.set(key, result);
    }
    return result;
  }
}

/** JSON with object keys sorted, so equal results compare equal whatever their key order. */
export function canonicalJson(value: JSONValue): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
