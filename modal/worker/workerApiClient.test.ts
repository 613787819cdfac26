import { afterEach, describe, expect, test } from "vitest";
import { WORKER_ROUTES } from "../../convex/lib/workerProtocol";
import { answerJson, startStubWorkerApiServer, type StubWorkerApiServer } from "./testing/stubWorkerApiServer";
import { createWorkerApiClient, WorkerApiTimeoutError } from "./workerApiClient";

let server: StubWorkerApiServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const neverAnswer = () => {};

describe("request time limits", () => {
  test("a request with no answer is given up after its limit and retried like a network error", { timeout: 3_000 }, async () => {
    server = await startStubWorkerApiServer(neverAnswer);
    const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [1, 1], requestTimeoutMs: 100 });
    // The test's 3 s timeout bounds the whole call: without the limit it would hang.
    const error = await api.claim("w1").then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerApiTimeoutError);
    expect((error as WorkerApiTimeoutError).message).toBe(`${WORKER_ROUTES.claim} did not answer within 100 ms`);
    expect(server.received).toHaveLength(3);
  });

  test("an answer whose body stalls after the headers is given up too", { timeout: 3_000 }, async () => {
    server = await startStubWorkerApiServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"state":');
    });
    const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [1], requestTimeoutMs: 100 });
    const beat = api.heartbeat({ jobId: "job1", claimToken: "t", stage: "probe", pct: 1 });
    await expect(beat).rejects.toBeInstanceOf(WorkerApiTimeoutError);
    expect(server.received).toHaveLength(2);
  });

  test("a call's own limit replaces the client's", { timeout: 3_000 }, async () => {
    server = await startStubWorkerApiServer(neverAnswer);
    const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [], requestTimeoutMs: 60_000 });
    const beat = api.heartbeat({ jobId: "job1", claimToken: "t", stage: "probe", pct: 1 }, { timeoutMs: 50 });
    await expect(beat).rejects.toThrow(`${WORKER_ROUTES.heartbeat} did not answer within 50 ms`);
  });

  test("a limit that is not a whole number of milliseconds (a third of a lease) works too", { timeout: 3_000 }, async () => {
    server = await startStubWorkerApiServer(neverAnswer);
    const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [], requestTimeoutMs: 5_000 / 12 / 4 });
    await expect(api.info()).rejects.toBeInstanceOf(WorkerApiTimeoutError);
  });
});

test("a claim's retries repeat its request id; the next claim has a new one", { timeout: 3_000 }, async () => {
  // The first try of each claim fails, as a claim route that broke after the claim committed.
  server = await startStubWorkerApiServer((_request, response) => {
    if (server!.received.length % 2 === 1) answerJson(response, { error: "claim_released" }, 503);
    else answerJson(response, { job: null });
  });
  const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [1] });
  expect(await api.claim("w1")).toEqual({ job: null });
  expect(await api.claim("w1")).toEqual({ job: null });
  const ids = server.received.map((request) => request.body.requestId);
  expect(ids).toHaveLength(4);
  expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(ids[1]).toBe(ids[0]);
  expect(ids[3]).toBe(ids[2]);
  expect(ids[2]).not.toBe(ids[0]);
});
