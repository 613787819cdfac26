// @vitest-environment node
/**
 * A subscription's value never goes backwards, however a client's own reads (a new
 * subscription, a new identity) interleave with a refresh round whose results are shared
 * between clients.
 *
 * Found by the upload load drill's reasoning and reproduced with 200 clients: a client that
 * subscribed while a round was running could receive a fresh result, then the round's shared
 * result read before the latest write (an older one), then the fresh one again — on Convex a
 * client never sees an older state than one it has seen. The first test sets the interleaving
 * up exactly (the real SyncSession and SubscriptionHub, a function executor whose reads the
 * test orders); the second is the load that revealed it, with the official clients.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ConvexClient } from "convex/browser";
import type { WebSocket } from "ws";
import type { JSONValue } from "convex/values";
import { CommitClock } from "../commitClock";
import type { FunctionExecutor, FunctionOutcome } from "../executor";
import { silentLogger } from "../log";
import { MutationLog } from "../mutationLog";
import type { ClientMessage, ServerMessage, TransitionMessage } from "../protocol/messages";
import { SubscriptionHub } from "../subscriptions";
import { SyncSession } from "../syncSession";
import type { TokenVerifier } from "../auth";
import { api } from "./fixture/convex/_generated/api";
import { connectClient, startTestBackend, waitFor, type TestBackend } from "./harness";

/** A socket as SyncSession uses it; the test plays the client. */
function fakeSocket() {
  const listeners = new Map<string, (data: unknown) => void>();
  const received: ServerMessage[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    on(event: string, listener: (data: unknown) => void) {
      listeners.set(event, listener);
    },
    send(frame: string) {
      received.push(JSON.parse(frame) as ServerMessage);
    },
    close() {
      socket.readyState = 3;
    },
  };
  return {
    socket: socket as unknown as WebSocket,
    sendToServer: (message: ClientMessage) => listeners.get("message")!(JSON.stringify(message)),
    /** Every value the client received for `queryId`, in order. */
    values: (queryId: number) =>
      received
        .filter((m): m is TransitionMessage => m.type === "Transition")
        .flatMap((t) => t.modifications)
        .flatMap((m) => (m.type === "QueryUpdated" && m.queryId === queryId ? [m.value] : [])),
  };
}

const connect = (sessionId: string): ClientMessage => ({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null });
const subscribe = (baseVersion: number, queryId: number, udfPath: string): ClientMessage => ({
  type: "ModifyQuerySet",
  baseVersion,
  newVersion: baseVersion + 1,
  modifications: [{ type: "Add", queryId, udfPath, args: [{}] }],
});

describe("reads never go backwards", () => {
  it("a client's own fresh read is not followed by an older shared result of the same round", async () => {
    // The "database": one number. `counter:get` reads it when called; `slow:get` waits for the test.
    let counter = 1;
    let releaseSlow = () => {};
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    const counterReads: number[] = [];
    const executor = {
      async run(udfPath: string): Promise<FunctionOutcome> {
        if (udfPath === "slow:get") {
          await slowGate;
          return { success: true, value: "slow" };
        }
        const value = counter;
        counterReads.push(value);
        await Promise.resolve();
        return { success: true, value };
      },
    } as unknown as FunctionExecutor;
    const clock = new CommitClock();
    const hub = new SubscriptionHub(clock, executor, silentLogger);
    const services = {
      executor,
      verifier: {} as TokenVerifier,
      hub,
      clock,
      mutationLog: new MutationLog(clock),
      log: silentLogger,
    };
    const a = fakeSocket();
    const b = fakeSocket();
    const sessions = [new SyncSession(a.socket, services), new SyncSession(b.socket, services)];
    try {
      a.sendToServer(connect("a"));
      b.sendToServer(connect("b"));
      a.sendToServer(subscribe(0, 1, "counter:get"));
      await waitFor(() => (a.values(1).length === 1 ? true : undefined));

      // B is busy with a subscription whose query has not answered yet; its next one waits.
      b.sendToServer(subscribe(0, 1, "slow:get"));
      b.sendToServer(subscribe(1, 2, "counter:get"));
      // A round starts and A reads the counter for it (shared with B, who is still busy)…
      const readsBefore = counterReads.length;
      hub.invalidate();
      await waitFor(() => (counterReads.length > readsBefore ? true : undefined));
      // …then a write lands, and B's own read of the counter sees it before B's turn in the round.
      counter = 2;
      hub.invalidate();
      releaseSlow();
      await waitFor(() => (b.values(2).includes(2) ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(a.values(1)).toEqual([1, 2]);
      expect(b.values(2)).toEqual([2]);
    } finally {
      for (const session of sessions) session.close();
    }
  });

  describe("with the official clients", () => {
    let backend: TestBackend | undefined;
    const clients: ConvexClient[] = [];
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await backend?.stop();
    });

    it("200 clients subscribing, with the same token, while 4 writers write", { timeout: 60_000 }, async () => {
      backend = await startTestBackend();
      const channel = `monotonic-${Math.random()}`;
      const signer = connectClient(backend);
      clients.push(signer);
      const token = (await signer.action(api.auth.signIn, { provider: "anonymous" })).tokens?.token;
      if (!token) throw new Error("no token");
      const seen: number[][] = [];
      const watch = () => {
        const client = connectClient(backend!);
        clients.push(client);
        client.setAuth(async () => token);
        const values: number[] = [];
        seen.push(values);
        client.onUpdate(api.messages.count, { channel }, (count: JSONValue) => values.push(count as number));
      };
      const writers = Array.from({ length: 4 }, () => connectClient(backend!));
      clients.push(...writers);
      let writing = true;
      const writes = Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; writing; i++) await writer.mutation(api.messages.send, { channel, body: `${w}.${i}` });
        }),
      );
      for (let burst = 0; burst < 20; burst++) {
        for (let i = 0; i < 10; i++) watch();
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      writing = false;
      await writes;
      const total = await signer.query(api.messages.count, { channel });
      await waitFor(() => (seen.every((values) => values.at(-1) === total) ? true : undefined), 20_000, "every client at the final count");

      const backwards = seen.filter((values) => values.some((value, i) => i > 0 && value < values[i - 1]!));
      expect(backwards.map((values) => values.join(","))).toEqual([]);
    });
  });
});
