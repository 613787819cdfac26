/**
 * Port choice for the dev stack: the conventional port when it is free, else any free one.
 *
 * A probe alone races: two stacks started together both find 3210 free, and the second one's
 * backend then dies with EADDRINUSE (or, worse, the second stack talks to the first one's
 * backend). So a stack also claims each port it picks (`processClaims.ts`: released when the
 * stack's process ends, however it ends) and passes over ports another live stack claimed.
 */
import { createServer } from "node:net";
import { claim, type Claim } from "./processClaims";

/** Ports tried before giving up on a free one (each a fresh ephemeral port from the OS). */
const MAX_TRIES = 20;

type ClaimedPort = { port: number; claim: Claim };

export type PortChooser = {
  /** `preferred` when it is free (0: any), else a free port; either way claimed until `releaseAll`. */
  choose(preferred: number, label: string): Promise<number>;
  releaseAll(): void;
};

/** Ports `reservePort` claimed in this process, until a stack's chooser takes them over. */
const reserved = new Map<number, Claim>();

/**
 * Claims a free port now for a stack this process starts later (the e2e set-up needs the app's
 * origin before the stack exists); that stack's `choose(port)` takes the claim over.
 */
export async function reservePort(label: string): Promise<number> {
  const { port, claim: held } = await claimFreePort(label);
  reserved.set(port, held);
  return port;
}

export function portChooser(log: (line: string) => void): PortChooser {
  const claims: Claim[] = [];
  return {
    async choose(preferred, label) {
      const reservation = reserved.get(preferred);
      reserved.delete(preferred);
      const chosen = reservation ? { port: preferred, claim: reservation } : await claimPort(preferred, label, log);
      claims.push(chosen.claim);
      return chosen.port;
    },
    releaseAll() {
      for (const held of claims.splice(0)) held.release();
    },
  };
}

async function claimPort(preferred: number, label: string, log: (line: string) => void): Promise<ClaimedPort> {
  if (preferred !== 0 && (await tryListen(preferred)) !== undefined) {
    const held = await claim(`port:${preferred}`);
    if (held) return { port: preferred, claim: held };
  }
  const chosen = await claimFreePort(label);
  if (preferred !== 0) log(`${label}: port ${preferred} is taken, using ${chosen.port} instead`);
  return chosen;
}

async function claimFreePort(label: string): Promise<ClaimedPort> {
  for (let attempt = 0; attempt < MAX_TRIES; attempt += 1) {
    const port = await tryListen(0);
    const held = port === undefined ? null : await claim(`port:${port}`);
    if (port !== undefined && held) return { port, claim: held };
  }
  throw new Error(`No free port for ${label}`);
}

/** Binds 127.0.0.1:port for a moment; the bound port, or undefined when it is taken. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}
