// @vitest-environment node
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import { waitForAnswer } from "./readiness";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server on 127.0.0.1 whose n-th answer (from 1) is `answer(n)`. */
async function serve(answer: (n: number) => { status: number; body: string }): Promise<string> {
  let n = 0;
  server = createServer((_request, response) => {
    const { status, body } = answer(++n);
    response.writeHead(status).end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/version`;
}

test("waits until the answer's status is taken", async () => {
  const url = await serve((n) => (n < 3 ? { status: 503, body: "" } : { status: 204, body: "" }));
  await expect(waitForAnswer(url, ({ status }) => status < 500, 10_000)).resolves.toBeUndefined();
});

test("waits until the answer's body is the expected one (a backend that answers before it is ready)", async () => {
  let answers = 0;
  const url = await serve((n) => {
    answers = n;
    return { status: 200, body: n < 3 ? "starting" : "ready" };
  });
  await waitForAnswer(url, async (response) => response.ok && (await response.text()) === "ready", 10_000);
  expect(answers).toBe(3);
});

test("gives up after its time, saying what it last heard", async () => {
  const url = await serve(() => ({ status: 502, body: "" }));
  await expect(waitForAnswer(url, ({ status }) => status < 500, 2_000)).rejects.toThrow(`${url} did not answer within 2 s (last: HTTP 502)`);
});

test("stops at once when aborted before it starts", async () => {
  const url = await serve(() => ({ status: 503, body: "" }));
  const controller = new AbortController();
  controller.abort(new Error("stack stopping"));
  await expect(waitForAnswer(url, () => true, 10_000, controller.signal)).rejects.toThrow("stack stopping");
});

test("stops as soon as it is aborted, during a request that gets no answer", async () => {
  // A server that accepts the request and never answers: only the abort can end the wait.
  server = createServer(() => {});
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const controller = new AbortController();
  const waiting = waitForAnswer(url, () => true, 60_000, controller.signal);
  setTimeout(() => controller.abort(new Error("stack stopping")), 100);
  const startedAt = Date.now();
  await expect(waiting).rejects.toThrow("stack stopping");
  expect(Date.now() - startedAt).toBeLessThan(10_000);
  server.closeAllConnections();
});
