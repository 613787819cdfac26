/**
 * A stand-in for the Convex worker API on 127.0.0.1, for the client's network tests: each
 * request's JSON body is recorded and `respond` decides the answer, or never gives one (a
 * stalled backend). `stop` drops the connections still open, so a stalled request ends too.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubRequest = { url: string; body: Record<string, unknown> };

export type StubWorkerApiServer = { siteUrl: string; received: StubRequest[]; stop(): Promise<void> };

export async function startStubWorkerApiServer(
  respond: (request: StubRequest, response: ServerResponse) => void,
): Promise<StubWorkerApiServer> {
  const received: StubRequest[] = [];
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const entry = { url: request.url ?? "", body: JSON.parse(text) as Record<string, unknown> };
      received.push(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    siteUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers 200 with `body` as JSON. */
export function answerJson(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
