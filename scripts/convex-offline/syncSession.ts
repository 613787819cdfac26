/**
 * One WebSocket connection of the sync protocol (`/api/<version>/sync`), as the official
 * client's BaseConvexClient expects it:
 * - every Transition starts exactly at the version the client holds (query set, identity,
 *   timestamp) and ends at the new one; state-changing work runs one message at a time;
 * - a mutation is answered with its commit timestamp, then a Transition at or past that
 *   timestamp whose results include its writes, which is when the client resolves it;
 * - mutations re-sent after a reconnect are answered from the mutation log, not re-run.
 */
import type { WebSocket } from "ws";
import type { UserIdentity } from "convex/server";
import { convexToJson, type JSONValue } from "convex/values";
import { AuthenticationError, type TokenVerifier, type VerifiedToken } from "./auth";
import type { CommitClock } from "./commitClock";
import type { FunctionExecutor, FunctionOutcome } from "./executor";
import type { Logger } from "./log";
import type { MutationLog } from "./mutationLog";
import {
  ProtocolError,
  parseClientMessage,
  type ActionMessage,
  type AuthenticateMessage,
  type ModifyQuerySetMessage,
  type MutationMessage,
  type QueryId,
  type ServerMessage,
  type StateModification,
} from "./protocol/messages";
import { decodeTs, encodeTs } from "./protocol/timestamps";
import { canonicalJson, type LiveSession, type QueryResultCache, type SubscriptionHub } from "./subscriptions";

export type SyncSessionServices = {
  executor: FunctionExecutor;
  verifier: TokenVerifier;
  hub: SubscriptionHub;
  clock: CommitClock;
  mutationLog: MutationLog;
  log: Logger;
};

type Subscription = { udfPath: string; encodedArgs: JSONValue; componentPath?: string; resultKey?: string };

type Version = { querySet: number; identity: number; ts: bigint };

/** The client resets its inactivity timer on any message; Convex pings every 15 s. */
const PING_INTERVAL_MS = 15_000;
/** setTimeout's limit; tokens living longer than this are not given an expiry timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_INTERNAL_ERROR = 1011;

export class SyncSession implements LiveSession {
  private sessionId = "";
  private querySetVersion = 0;
  private identityVersion = 0;
  /** The version the client holds: the end of the last Transition sent. */
  private sentVersion: Version = { querySet: 0, identity: 0, ts: 0n };
  private auth: VerifiedToken | null = null;
  private readonly subscriptions = new Map<QueryId, Subscription>();
  /** `hub.mark()` when this session's last read of its own (not a round's shared one) completed. */
  private ownReadMark = 0;
  /** The latest mutation timestamp answered but not yet covered by a Transition. */
  private awaitingTs: bigint | null = null;
  private clientClockSkew: number | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly pingTimer: NodeJS.Timeout;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly services: SyncSessionServices,
  ) {
    socket.on("message", (data) => void this.enqueue(() => this.handleFrame(String(data))));
    socket.on("close", () => this.close());
    this.pingTimer = setInterval(() => this.send({ type: "Ping" }), PING_INTERVAL_MS);
    services.hub.add(this);
  }

  /** Re-runs every subscription as of `ts` and sends what changed (a SubscriptionHub round). */
  refresh(ts: bigint, results: QueryResultCache): Promise<void> {
    return this.enqueue(async () => {
      // Shared results that may have been read before this session's own last read would be
      // older than what it already sent: read again instead (see subscriptions.ts).
      const shared = results.startMark > this.ownReadMark ? results : undefined;
      const modifications = await this.rerunSubscriptions(shared);
      const coversMutation = this.awaitingTs !== null && this.awaitingTs <= ts;
      if (modifications.length > 0 || coversMutation) this.sendTransition(modifications, ts);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.expiryTimer);
    this.services.hub.remove(this);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : task())).catch((error: unknown) => this.fail(error));
    this.queue = run;
    return run;
  }

  private async handleFrame(frame: string): Promise<void> {
    const message = parseClientMessage(frame);
    switch (message.type) {
      case "Connect":
        this.sessionId = message.sessionId;
        if (message.maxObservedTimestamp) this.services.clock.observe(decodeTs(message.maxObservedTimestamp));
        if (message.clientTs !== undefined) this.clientClockSkew = message.clientTs - Date.now();
        return;
      case "ModifyQuerySet":
        return await this.modifyQuerySet(message);
      case "Authenticate":
        return await this.authenticate(message);
      case "Mutation":
        return this.startMutation(message);
      case "Action":
        return this.startAction(message);
      case "Event":
        return;
    }
  }

  private async modifyQuerySet(message: ModifyQuerySetMessage): Promise<void> {
    if (message.baseVersion !== this.querySetVersion) {
      throw new ProtocolError(
        `ModifyQuerySet from version ${message.baseVersion}, but the query set is at version ${this.querySetVersion}`,
      );
    }
    const modifications: StateModification[] = [];
    for (const change of message.modifications) {
      if (change.type === "Remove") {
        this.subscriptions.delete(change.queryId);
        modifications.push({ type: "QueryRemoved", queryId: change.queryId });
        continue;
      }
      const subscription: Subscription = {
        udfPath: change.udfPath,
        encodedArgs: change.args[0] ?? {},
        ...(change.componentPath ? { componentPath: change.componentPath } : {}),
      };
      this.subscriptions.set(change.queryId, subscription);
      const modification = this.recordResult(change.queryId, subscription, await this.runQuery(subscription));
      if (modification) modifications.push(modification);
    }
    this.querySetVersion = message.newVersion;
    // The timestamp stays: the other queries' results were not re-read.
    this.sendTransition(modifications, this.sentVersion.ts);
  }

  private async authenticate(message: AuthenticateMessage): Promise<void> {
    if (message.baseVersion !== this.identityVersion) {
      throw new ProtocolError(
        `Authenticate from identity version ${message.baseVersion}, but the identity is at version ${this.identityVersion}`,
      );
    }
    let auth: VerifiedToken | null = null;
    if (message.tokenType === "Admin") {
      return this.sendAuthError("Admin keys are not supported by the offline backend", message.baseVersion, true);
    }
    if (message.tokenType === "User") {
      try {
        auth = await this.services.verifier.verify(message.value);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        // A refused token leaves no identity behind, not even the one it was meant to replace.
        this.setAuth(null);
        return this.sendAuthError(error.message, message.baseVersion, true);
      }
    }
    this.setAuth(auth);
    this.identityVersion = message.baseVersion + 1;
    const ts = this.services.clock.tick();
    this.sendTransition(await this.rerunSubscriptions(), ts);
  }

  private startMutation(message: MutationMessage): void {
    const identity = this.identity();
    const { executor, mutationLog, hub } = this.services;
    void mutationLog
      .execute(this.sessionId, message.requestId, () =>
        message.componentPath
          ? Promise.resolve(componentsUnsupported())
          : executor.run(message.udfPath, message.args[0], identity, { caller: "client", expectedKind: "mutation" }),
      )
      .then(({ outcome, ts }) => {
        if (outcome.success && ts !== null) {
          this.send({
            type: "MutationResponse",
            requestId: message.requestId,
            success: true,
            result: convexToJson(outcome.value),
            ts: encodeTs(ts),
            logLines: [],
          });
          if (this.awaitingTs === null || ts > this.awaitingTs) this.awaitingTs = ts;
          hub.invalidate();
        } else if (!outcome.success) {
          this.send({ type: "MutationResponse", requestId: message.requestId, ...failureBody(outcome) });
        }
      });
  }

  private startAction(message: ActionMessage): void {
    const run = message.componentPath
      ? Promise.resolve(componentsUnsupported())
      : this.services.executor.run(message.udfPath, message.args[0], this.identity(), {
          caller: "client",
          expectedKind: "action",
        });
    void run.then((outcome) =>
      this.send({
        type: "ActionResponse",
        requestId: message.requestId,
        ...(outcome.success
          ? { success: true as const, result: convexToJson(outcome.value), logLines: [] }
          : failureBody(outcome)),
      }),
    );
  }

  private async rerunSubscriptions(results?: QueryResultCache): Promise<StateModification[]> {
    const entries = [...this.subscriptions];
    const outcomes = await Promise.all(entries.map(([, subscription]) => this.runQuery(subscription, results)));
    return entries.flatMap(([queryId, subscription], index) => {
      // Unsubscribed while the queries ran.
      if (this.subscriptions.get(queryId) !== subscription) return [];
      const modification = this.recordResult(queryId, subscription, outcomes[index] as FunctionOutcome);
      return modification ? [modification] : [];
    });
  }

  private runQuery(subscription: Subscription, results?: QueryResultCache): Promise<FunctionOutcome> {
    if (subscription.componentPath) return Promise.resolve(componentsUnsupported());
    if (results) return results.get(subscription.udfPath, subscription.encodedArgs, this.auth);
    return this.services.executor
      .run(subscription.udfPath, subscription.encodedArgs, this.identity(), { caller: "client", expectedKind: "query" })
      .then((outcome) => {
        this.ownReadMark = this.services.hub.mark();
        return outcome;
      });
  }

  /** The modification to send for a new result, or null when the client already has it. */
  private recordResult(queryId: QueryId, subscription: Subscription, outcome: FunctionOutcome): StateModification | null {
    const value = outcome.success ? convexToJson(outcome.value) : undefined;
    const errorData = !outcome.success && outcome.errorData !== undefined ? convexToJson(outcome.errorData) : undefined;
    const resultKey = outcome.success
      ? `ok:${canonicalJson(value as JSONValue)}`
      : `error:${canonicalJson([outcome.errorMessage, errorData ?? null])}`;
    if (resultKey === subscription.resultKey) return null;
    subscription.resultKey = resultKey;
    if (outcome.success) return { type: "QueryUpdated", queryId, value: value as JSONValue, logLines: [], journal: null };
    return {
      type: "QueryFailed",
      queryId,
      errorMessage: outcome.errorMessage,
      ...(errorData === undefined ? {} : { errorData }),
      logLines: [],
      journal: null,
    };
  }

  private sendTransition(modifications: StateModification[], ts: bigint): void {
    const end: Version = {
      querySet: this.querySetVersion,
      identity: this.identityVersion,
      ts: ts > this.sentVersion.ts ? ts : this.sentVersion.ts,
    };
    this.send({
      type: "Transition",
      startVersion: { ...this.sentVersion, ts: encodeTs(this.sentVersion.ts) },
      endVersion: { ...end, ts: encodeTs(end.ts) },
      modifications,
      ...(this.clientClockSkew === undefined ? {} : { clientClockSkew: this.clientClockSkew }),
      serverTs: Date.now() * 1_000_000,
    });
    this.sentVersion = end;
    if (this.awaitingTs !== null && this.awaitingTs <= end.ts) this.awaitingTs = null;
  }

  private setAuth(auth: VerifiedToken | null): void {
    this.auth = auth;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const remainingMs = auth?.expiresAtMs ? auth.expiresAtMs - Date.now() : undefined;
    if (remainingMs !== undefined && remainingMs < MAX_TIMER_MS) {
      // As on Convex: the client hears that its token expired and fetches a fresh one; until
      // it sends one, this socket has no identity (`identity()` checks the expiry too).
      this.expiryTimer = setTimeout(() => {
        this.auth = null;
        this.sendAuthError("Token expired", this.identityVersion, false);
      }, Math.max(0, remainingMs));
    }
  }

  private identity(): UserIdentity | null {
    const auth = this.auth;
    if (auth === null || (auth.expiresAtMs !== null && auth.expiresAtMs <= Date.now())) return null;
    return auth.identity;
  }

  private sendAuthError(error: string, baseVersion: number, authUpdateAttempted: boolean): void {
    this.services.log.warn(`[sync] authentication refused: ${error}`);
    this.send({ type: "AuthError", error, baseVersion, authUpdateAttempted });
  }

  private send(message: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private fail(error: unknown): void {
    const isProtocolError = error instanceof ProtocolError;
    const description = error instanceof Error ? error.message : String(error);
    this.services.log.error(`[sync] closing connection: ${description}`);
    this.send({ type: "FatalError", error: description });
    this.socket.close(isProtocolError ? CLOSE_POLICY_VIOLATION : CLOSE_INTERNAL_ERROR, description.slice(0, 120));
    this.close();
  }
}

function failureBody(outcome: FunctionOutcome & { success: false }) {
  return {
    success: false as const,
    result: outcome.errorMessage,
    ...(outcome.errorData === undefined ? {} : { errorData: convexToJson(outcome.errorData) }),
    logLines: [],
  };
}

function componentsUnsupported(): FunctionOutcome {
  return { success: false, errorMessage: "Components are not supported by the offline backend" };
}
