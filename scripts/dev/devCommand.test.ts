// @vitest-environment node
/**
 * `npm run dev` itself, as a newcomer runs it on a fresh machine: no Convex settings, no cached
 * Convex local backend (a fresh HOME), so it chooses the offline backend by itself; Ctrl-C
 * (SIGINT) stops every process it started and removes stack.json.
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-dev-command-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Every process below `pid`, from `ps`. */
function descendantsOf(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of rows) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A checkout whose .env.local names a Convex deployment would (rightly) use it instead.
describe.skipIf(existsSync(".env.local"))("npm run dev on a fresh machine", () => {
  it("chooses the offline backend by itself, and Ctrl-C stops everything it started", { timeout: 150_000 }, async () => {
    const stateDir = path.join(folder, "state");
    const home = path.join(folder, "home");
    const output: string[] = [];
    const dev = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", "--no-app", "--state-dir", stateDir], {
      env: { PATH: process.env.PATH, HOME: home, TMPDIR: tmpdir() } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    dev.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    dev.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));
    let started: number[] = [];
    try {
      const stackFile = path.join(stateDir, "stack.json");
      // Not there yet, or half written: read it again.
      const stack = await vi.waitFor(async () => JSON.parse(await readFile(stackFile, "utf8")) as Record<string, unknown>, {
        timeout: 60_000,
        interval: 200,
      });
      expect(stack).toMatchObject({ backend: "offline", appUrl: null });
      expect(output.join("")).toContain("using the offline Convex backend: the Convex local backend binary is not cached");
      await vi.waitFor(() => expect(output.join("")).toContain("Ctrl-C stops everything"), { timeout: 15_000, interval: 200 });
      started = descendantsOf(dev.pid!);
      expect(started.length).toBeGreaterThanOrEqual(2); // the offline backend and the worker, at least

      dev.kill("SIGINT");
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 20_000))]);
      expect(code).toBe(0);
      expect(existsSync(stackFile)).toBe(false);
      await vi.waitFor(() => expect(started.filter(isAlive)).toEqual([]), { timeout: 10_000, interval: 200 });
    } finally {
      // On a failure, nothing may outlive the test: the children run in their own process groups.
      for (const pid of [...(started.length > 0 ? started : descendantsOf(dev.pid!)), dev.pid!]) {
        if (isAlive(pid)) process.kill(pid, "SIGKILL");
      }
    }
  });
});
