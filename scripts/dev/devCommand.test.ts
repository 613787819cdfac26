// @vitest-environment node
/**
 * `npm run dev` itself, as a newcomer runs it on a fresh machine: no Convex settings, no cached
 * Convex local backend (a fresh HOME), so it chooses the offline backend by itself; Ctrl-C
 * (SIGINT) stops every process it started and removes stack.json.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { descendantsOf, isAlive, killEverything, startDevCommand, waitForStackFile } from "./devCommand.testing";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-dev-command-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

// A checkout whose .env.local names a Convex deployment would (rightly) use it instead.
describe.skipIf(existsSync(".env.local"))("npm run dev on a fresh machine", () => {
  it("chooses the offline backend by itself, and Ctrl-C stops everything it started", { timeout: 150_000 }, async () => {
    const stateDir = path.join(folder, "state");
    const home = path.join(folder, "home");
    const dev = startDevCommand(["--no-app", "--state-dir", stateDir], home);
    let started: number[] = [];
    try {
      const stackFile = path.join(stateDir, "stack.json");
      const stack = await waitForStackFile(dev, stateDir, 60_000);
      expect(stack).toMatchObject({ backend: "offline", appUrl: null });
      expect(dev.output()).toContain("using the offline Convex backend: the Convex local backend binary is not cached");
      await vi.waitFor(() => expect(dev.output()).toContain("Ctrl-C stops everything"), { timeout: 15_000, interval: 200 });
      started = descendantsOf(dev.process.pid!);
      expect(started.length).toBeGreaterThanOrEqual(2); // the offline backend and the worker, at least

      dev.process.kill("SIGINT");
      const code = await Promise.race([dev.exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 20_000))]);
      expect(code).toBe(0);
      expect(existsSync(stackFile)).toBe(false);
      await vi.waitFor(() => expect(started.filter(isAlive)).toEqual([]), { timeout: 10_000, interval: 200 });
    } finally {
      killEverything(dev, { pids: started });
    }
  });
});
