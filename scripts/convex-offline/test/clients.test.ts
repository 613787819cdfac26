// @vitest-environment node
/**
 * The official clients against the offline backend: optimistic updates settle
 * (ConvexReactClient), ConvexError data arrives intact (sync and HTTP), a client that
 * loses its connection resumes its subscriptions, and the HTTP API behaves like Convex's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConvexClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { ConvexError, type Value } from "convex/values";
import { WebSocket } from "ws";
import { api } from "./fixture/convex/_generated/api";
import { connectClient, httpClient, startTestBackend, trackedWebSocket, waitFor, type TestBackend } from "./harness";

let backend: TestBackend;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  backend = await startTestBackend();
}, 20_000);
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await backend.stop();
});

function client(webSocketConstructor?: typeof globalThis.WebSocket): ConvexClient {
  const created = connectClient(backend, webSocketConstructor);
  closers.push(() => created.close());
  return created;
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error,
  );
}

describe("official clients", { timeout: 20_000 }, () => {
  it("shows an optimistic update at once and settles on the server's result (ConvexReactClient)", async () => {
    const react = new ConvexReactClient(backend.convexUrl, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
    });
    closers.push(() => react.close());
    const channel = "optimistic";
    const watch = react.watchQuery(api.messages.list, { channel });
    const unsubscribe = watch.onUpdate(() => {});
    await waitFor(() => watch.localQueryResult(), 5_000, "the first result");

    const sent = react.mutation(
      api.messages.send,
      { channel, body: "optimistic hello" },
      {
        optimisticUpdate: (store, args) => {
          const current = store.getQuery(api.messages.list, { channel }) ?? [];
          store.setQuery(api.messages.list, { channel }, [
            ...current,
            { _id: "pending" as never, _creationTime: Date.now(), channel, body: args.body, author: null },
          ]);
        },
      },
    );
    expect(watch.localQueryResult()?.map((message) => message._id)).toEqual(["pending"]);

    const id = await sent;
    // Resolved only once a Transition reflecting the write arrived: the optimistic entry
    // is gone and the server's document is there.
    expect(watch.localQueryResult()?.map((message) => message._id)).toEqual([id]);
    unsubscribe();
  });

  it("delivers ConvexError data from mutations, actions and queries over the WebSocket", async () => {
    const subscriber = client();
    const mutationError = await thrown(subscriber.mutation(api.messages.rejectBody, { body: "nope" }));
    expect(mutationError).toBeInstanceOf(ConvexError);
    expect((mutationError as ConvexError<Value>).data).toEqual({
      code: "invalid_body",
      message: "Body nope is not allowed",
      limit: 3n,
    });

    const actionError = await thrown(subscriber.action(api.messages.failAction, {}));
    expect((actionError as ConvexError<Value>).data).toEqual({ code: "action_failed", retryable: false });

    let queryError: unknown;
    subscriber.onUpdate(api.messages.failQuery, {}, () => {}, (error) => {
      queryError = error;
    });
    await waitFor(() => queryError, 5_000, "the query error");
    expect((queryError as ConvexError<Value>).data).toEqual({ code: "always_fails" });

    const plainError = await thrown(subscriber.mutation(api.messages.crash, {}));
    expect(plainError).not.toBeInstanceOf(ConvexError);
    expect((plainError as Error).message).toMatch(/plain failure/);
  });

  it("delivers ConvexError data over the HTTP API", async () => {
    const http = httpClient(backend);
    const mutationError = await thrown(http.mutation(api.messages.rejectBody, { body: "nope" }));
    expect((mutationError as ConvexError<Value>).data).toEqual({
      code: "invalid_body",
      message: "Body nope is not allowed",
      limit: 3n,
    });
    expect(((await thrown(http.action(api.messages.failAction, {}))) as ConvexError<Value>).data).toEqual({
      code: "action_failed",
      retryable: false,
    });
    expect(((await thrown(http.query(api.messages.failQuery, {}))) as ConvexError<Value>).data).toEqual({
      code: "always_fails",
    });
  });

  it("resumes subscriptions after the connection drops", async () => {
    const sockets = trackedWebSocket();
    const subscriber = client(sockets.constructor);
    const channel = "reconnect";
    let latest: unknown[] | undefined;
    subscriber.onUpdate(api.messages.list, { channel }, (messages) => {
      latest = messages;
    });
    await waitFor(() => (latest?.length === 0 ? true : undefined), 5_000, "the first result");

    sockets.sockets.at(-1)?.terminate();
    await httpClient(backend).mutation(api.messages.send, { channel, body: "while away" });
    await waitFor(() => (latest?.length === 1 ? true : undefined), 8_000, "the write made while disconnected");
    expect(sockets.sockets.length).toBe(2);
    expect(subscriber.connectionState().connectionCount).toBe(2);

    // And keeps receiving pushes on the new connection.
    await httpClient(backend).mutation(api.messages.send, { channel, body: "after" });
    await waitFor(() => (latest?.length === 2 ? true : undefined), 5_000, "a write after reconnecting");
  });

  it("runs queries, mutations and actions over the HTTP API and refuses what a client may not call", async () => {
    const http = httpClient(backend);
    const id = await http.mutation(api.messages.send, { channel: "http", body: "one" });
    expect(await http.query(api.messages.list, { channel: "http" })).toMatchObject([{ _id: id, body: "one" }]);
    expect(await http.action(api.messages.countViaAction, { channel: "http" })).toBe(1);

    const internal = makeFunctionReference<"mutation">("messages:insertInternal");
    expect(String(await thrown(http.mutation(internal, { channel: "http", body: "x" })))).toMatch(
      /Could not find public function for 'messages:insertInternal'/,
    );
    const wrongKind = makeFunctionReference<"query">("messages:send");
    expect(String(await thrown(http.query(wrongKind, { channel: "http", body: "x" })))).toMatch(
      /Trying to execute messages:send as Query, but it is defined as Mutation/,
    );
  });

  it("gives functions the environment from the env file plus CONVEX_CLOUD_URL and CONVEX_SITE_URL", async () => {
    const http = httpClient(backend);
    expect(await http.query(api.messages.readEnv, { name: "FIXTURE_GREETING" })).toBe("hello from the env file");
    expect(await http.query(api.messages.readEnv, { name: "CONVEX_SITE_URL" })).toBe(backend.siteUrl);
    expect(await http.query(api.messages.readEnv, { name: "CONVEX_CLOUD_URL" })).toBe(backend.convexUrl);
  });

  it("answers unknown HTTP action routes with 404", async () => {
    const response = await fetch(`${backend.siteUrl}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("No HttpAction routed for /nowhere");
  });
});
