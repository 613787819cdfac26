/**
 * The production build (`next build`), checked to connect nowhere: `NEXT_PUBLIC_CONVEX_URL`
 * points at a listener on 127.0.0.1 that counts the connections it gets, and any connection
 * during the build fails the check. Prerendering once created the Convex client on the server,
 * which opened the sync WebSocket to whatever URL the build was given. `npm test` runs this
 * as its "production build" stage; `npm run deploy` builds with the deployment's URL instead.
 *
 *   npx tsx scripts/deploy/buildConnectsNowhere.ts
 */
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

export type ConnectionCounter = {
  /** An http URL on 127.0.0.1 that nothing else listens on. */
  url: string;
  /** The first line each connection sent (e.g. `GET /api/1.48.0/sync HTTP/1.1`), or "" if none. */
  connections: string[];
  close(): Promise<void>;
};

/** A TCP listener on 127.0.0.1 that records and closes every connection it gets. */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  const connections: string[] = [];
  const server = net.createServer((socket) => {
    const index = connections.push("") - 1;
    let received = "";
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      connections[index] = received.split("\r\n", 1)[0] ?? "";
      if (received.includes("\r\n")) socket.destroy();
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.unref();
      }),
  };
}

/** The verdict on one checked build, in words. */
export function describeConnections(connections: readonly string[], url: string): string | null {
  if (connections.length === 0) return null;
  const requests = [...new Set(connections.map((line) => line || "(nothing sent)"))].join("; ");
  return (
    `The production build connected to NEXT_PUBLIC_CONVEX_URL (${url}) ${connections.length} time(s): ${requests}. ` +
    "A build must connect nowhere: create the Convex client in the browser only."
  );
}

async function main(): Promise<void> {
  const root = path.resolve(import.meta.dirname, "../..");
  const counter = await startConnectionCounter();
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_PUBLIC_CONVEX_URL: counter.url, NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(1));
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  await counter.close();
  if (code !== 0) {
    console.error(`next build failed (exit code ${code}) after ${seconds} s.`);
    process.exit(code);
  }
  const problem = describeConnections(counter.connections, counter.url);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  console.log(`next build took ${seconds} s and connected nowhere (NEXT_PUBLIC_CONVEX_URL was ${counter.url}).`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
