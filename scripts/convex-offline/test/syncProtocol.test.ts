// @vitest-environment node
/**
 * The sync protocol on the wire, checked message by message with a raw WebSocket:
 * Transition versions chain exactly, unchanged queries are not re-sent, a mutation is
 * answered before the Transition that covers it, and a mutation re-sent after a reconnect
 * is answered without running again.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { SignJWT, importPKCS8 } from "jose";
import { version as convexVersion } from "convex";
import { api } from "./fixture/convex/_generated/api";
import { decodeTs } from "../protocol/timestamps";
import type { ServerMessage, StateVersion, TransitionMessage } from "../protocol/messages";
import { httpClient, startTestBackend, waitFor, type TestBackend } from "./harness";

let backend: TestBackend;
const sockets: RawSyncClient[] = [];

beforeAll(async () => {
  backend = await startTestBackend();
}, 20_000);
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await backend.stop();
});

class RawSyncClient {
  private readonly received: ServerMessage[] = [];
  private consumed = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type !== "Ping") this.received.push(message);
    });
  }

  static async connect(sessionId: string): Promise<RawSyncClient> {
    const ws = new WebSocket(`${backend.convexUrl.replace("http", "ws")}/api/${convexVersion}/sync`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const client = new RawSyncClient(ws);
    sockets.push(client);
    client.send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
    return client;
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next message not yet consumed, which must be of `type`. */
  async next<Type extends ServerMessage["type"]>(type: Type): Promise<Extract<ServerMessage, { type: Type }>> {
    const message = await waitFor(() => this.received[this.consumed], 5_000, `a ${type} message`);
    this.consumed += 1;
    expect(message.type).toBe(type);
    return message as Extract<ServerMessage, { type: Type }>;
  }

  /** Resolves when nothing more arrives for `quietMs`. */
  async expectSilence(quietMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    expect(this.received.slice(this.consumed)).toEqual([]);
  }

  close(): void {
    this.ws.close();
  }
}

const args = (value: object) => [value];

describe("sync protocol", { timeout: 20_000 }, () => {
  it("chains Transition versions and re-sends only the queries whose result changed", async () => {
    const client = await RawSyncClient.connect(randomUUID());
    client.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [
        { type: "Add", queryId: 0, udfPath: "messages:count", args: args({ channel: "quiet" }) },
        { type: "Add", queryId: 1, udfPath: "messages:list", args: args({ channel: "busy" }) },
      ],
    });
    const first = await client.next("Transition");
    expect(first.startVersion).toEqual({ querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    expect(first.endVersion.querySet).toBe(1);
    expect(first.modifications.map((m) => [m.type, m.queryId])).toEqual([
      ["QueryUpdated", 0],
      ["QueryUpdated", 1],
    ]);

    await httpClient(backend).mutation(api.messages.send, { channel: "busy", body: "hi" });
    const second = await client.next("Transition");
    expect(second.startVersion).toEqual(first.endVersion);
    expect(decodeTs(second.endVersion.ts)).toBeGreaterThan(decodeTs(first.endVersion.ts));
    expect(second.modifications).toHaveLength(1);
    expect(second.modifications[0]).toMatchObject({ type: "QueryUpdated", queryId: 1 });

    client.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 1 }] });
    const third = await client.next("Transition");
    expect(third.startVersion).toEqual(second.endVersion);
    expect(third.endVersion).toEqual({ ...second.endVersion, querySet: 2 });
    expect(third.modifications).toEqual([{ type: "QueryRemoved", queryId: 1 }]);

    // A write nobody subscribes to sends nothing.
    await httpClient(backend).mutation(api.messages.send, { channel: "busy", body: "again" });
    await client.expectSilence(150);
  });

  it("answers a mutation with its timestamp, then a Transition covering it that includes the write", async () => {
    const client = await RawSyncClient.connect(randomUUID());
    client.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "messages:count", args: args({ channel: "covered" }) }],
    });
    await client.next("Transition");
    client.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: args({ channel: "covered", body: "x" }) });
    const response = await client.next("MutationResponse");
    expect(response.success).toBe(true);
    const transition: TransitionMessage = await client.next("Transition");
    expect(decodeTs(transition.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs((response as { ts: string }).ts));
    expect(transition.modifications).toEqual([
      { type: "QueryUpdated", queryId: 0, value: 1, logLines: [], journal: null },
    ]);
  });

  it("answers a mutation re-sent after a reconnect without running it again", async () => {
    const sessionId = randomUUID();
    const mutation = { type: "Mutation", requestId: 7, udfPath: "messages.js:send", args: args({ channel: "once", body: "x" }) };
    const before = await RawSyncClient.connect(sessionId);
    before.send(mutation);
    const original = await before.next("MutationResponse");
    before.close();

    const after = await RawSyncClient.connect(sessionId);
    after.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [] });
    await after.next("Transition");
    after.send(mutation);
    const repeated = await after.next("MutationResponse");
    expect(repeated).toEqual(original);
    const covering = await after.next("Transition");
    expect(decodeTs(covering.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs((original as { ts: string }).ts));
    expect(await httpClient(backend).query(api.messages.count, { channel: "once" })).toBe(1);
  });

  it("advances the identity version on Authenticate and refuses bad tokens with AuthError", async () => {
    const client = await RawSyncClient.connect(randomUUID());
    client.send({ type: "Authenticate", tokenType: "User", value: "not-a-jwt", baseVersion: 0 });
    const refused = await client.next("AuthError");
    expect(refused).toMatchObject({ baseVersion: 0, authUpdateAttempted: true });
    expect(refused.error).toMatch(/Could not parse JWT/);

    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("user|session")
      .setIssuer(backend.siteUrl)
      .setAudience("convex")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(await importPKCS8(backend.keys.JWT_PRIVATE_KEY, "RS256"));
    client.send({ type: "Authenticate", tokenType: "User", value: expired, baseVersion: 0 });
    expect((await client.next("AuthError")).error).toBe("Token expired");

    client.send({ type: "Authenticate", tokenType: "None", baseVersion: 0 });
    const cleared = await client.next("Transition");
    expect(cleared.startVersion.identity).toBe(0);
    expect((cleared.endVersion as StateVersion).identity).toBe(1);
  });

  it("ends the session with FatalError on a query-set version mismatch", async () => {
    const client = await RawSyncClient.connect(randomUUID());
    client.send({ type: "ModifyQuerySet", baseVersion: 5, newVersion: 6, modifications: [] });
    expect((await client.next("FatalError")).error).toMatch(/version/);
  });
});
