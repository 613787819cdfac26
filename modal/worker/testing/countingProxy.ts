/**
 * A request-counting HTTP proxy for drills: everything is forwarded unchanged to `target`, and
 * each request is recorded (method, path, when it arrived) at the HTTP layer, so a test counts
 * what a client really sent rather than what it says it sent.
 */
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

export type ProxiedRequest = { method: string; path: string; at: number };

export type CountingProxy = {
  url: string;
  requests(): readonly ProxiedRequest[];
  /** Requests to `path` so far (the path without its query). */
  count(path: string): number;
  close(): Promise<void>;
};

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const seen: ProxiedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    seen.push({ method: incoming.method ?? "", path: (incoming.url ?? "").split("?")[0]!, at: Date.now() });
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => seen,
    count: (path) => seen.filter((request) => request.path === path).length,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
