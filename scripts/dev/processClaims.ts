/**
 * Exclusive claims that die with the process holding them, however it dies (SIGKILL, OOM, power
 * cut): a claim is a listening Unix socket. On Linux it lives in the abstract namespace, which the
 * kernel frees with the process, so a claim can never go stale; elsewhere it is a socket file in
 * the temp folder, and a file nobody answers on is a dead claim, taken over.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export type Claim = { release(): void };

const ABSTRACT_NAMESPACE = process.platform === "linux";

/** Claims `name` for this process; null when a live process holds it. */
export async function claim(name: string): Promise<Claim | null> {
  const address = socketAddress(name);
  let server = await listen(address);
  if (!server && !ABSTRACT_NAMESPACE && !(await answers(address))) {
    rmSync(address, { force: true });
    server = await listen(address);
  }
  if (!server) return null;
  // A claim must not keep the process alive.
  server.unref();
  const held = server;
  return {
    release() {
      held.close();
      if (!ABSTRACT_NAMESPACE) rmSync(address, { force: true });
    },
  };
}

function socketAddress(name: string): string {
  const id = createHash("sha256").update(name).digest("hex").slice(0, 32);
  return ABSTRACT_NAMESPACE ? `\0reeldrop-${id}` : path.join(tmpdir(), `reeldrop-${id}.sock`);
}

function listen(address: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(null));
    server.listen(address, () => resolve(server));
  });
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(address);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
