import net from "node:net";
import { afterEach, expect, test } from "vitest";
import { describeConnections, startConnectionCounter, type ConnectionCounter } from "./buildConnectsNowhere";

let counter: ConnectionCounter | undefined;
afterEach(async () => {
  await counter?.close();
  counter = undefined;
});

function connectAndSend(url: string, text: string | null): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => {
      if (text !== null) socket.write(text);
      else socket.end();
    });
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
}

test("the listener counts every connection and names what it asked for", async () => {
  counter = await startConnectionCounter();
  expect(counter.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(describeConnections(counter.connections, counter.url)).toBeNull();

  await connectAndSend(counter.url, "GET /api/1.48.0/sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
  await connectAndSend(counter.url, null);

  expect(counter.connections).toEqual(["GET /api/1.48.0/sync HTTP/1.1", ""]);
  const verdict = describeConnections(counter.connections, counter.url);
  expect(verdict).toContain("2 time(s)");
  expect(verdict).toContain("GET /api/1.48.0/sync HTTP/1.1");
  expect(verdict).toContain("(nothing sent)");
});
