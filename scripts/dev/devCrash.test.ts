// @vitest-environment node
/**
 * The dev stack survives its own crash and its neighbours: a SIGKILL of the stack's process
 * leaves no child holding a port or the state folder (the next stack on that folder comes up);
 * a second stack on the same folder refuses, naming the first; two stacks started at the same
 * moment on the same preferred ports each get their own.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startDevStack } from "./devStack";
import { StateFolderInUseError } from "./stateFolderLock";
import { killEverything, livingMembersOf, startDevCommand, waitForStackFile, type DevCommand } from "./devCommand.testing";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-dev-crash-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe.skipIf(existsSync(".env.local"))("the dev stack and crashes", () => {
  it("a SIGKILL of the stack's process takes every child with it, and the folder can be used again", { timeout: 180_000 }, async () => {
    const stateDir = path.join(folder, "killed");
    const home = path.join(folder, "home");
    const runs: DevCommand[] = [];
    const groups: number[] = [];
    try {
      const first = startDevCommand(["--offline", "--no-app", "--state-dir", stateDir], home);
      runs.push(first);
      const stack = await waitForStackFile(first, stateDir);
      groups.push(...Object.values(stack.processGroups));
      expect(Object.keys(stack.processGroups).sort()).toEqual(["convex", "worker"]);
      expect(livingMembersOf(groups).length).toBeGreaterThanOrEqual(2);

      first.process.kill("SIGKILL");
      await first.exited;
      await vi.waitFor(() => expect(livingMembersOf(groups)).toEqual([]), { timeout: 15_000, interval: 100 });
      for (const url of [stack.convexUrl, stack.convexSiteUrl, stack.s3Endpoint]) expect(await portIsFree(portOf(url))).toBe(true);
      expect(existsSync(path.join(stateDir, "stack.json"))).toBe(false);

      const second = startDevCommand(["--offline", "--no-app", "--state-dir", stateDir], home);
      runs.push(second);
      const again = await waitForStackFile(second, stateDir);
      groups.push(...Object.values(again.processGroups));
      expect((await fetch(`${again.convexUrl}/version`)).ok).toBe(true);
      second.process.kill("SIGINT");
      expect(await second.exited).toBe(0);
    } finally {
      for (const run of runs) killEverything(run, { groups });
    }
  });

  it("a second stack on the same state folder refuses, naming the first", { timeout: 90_000 }, async () => {
    const stateDir = path.join(folder, "shared");
    const first = await startDevStack({ offline: true, app: false, worker: false, ports: { convex: 0, site: 0, s3: 0 }, stateDir, log: () => {} });
    try {
      const second = startDevStack({ offline: true, app: false, worker: false, ports: { convex: 0, site: 0, s3: 0 }, stateDir, log: () => {} });
      await expect(second).rejects.toBeInstanceOf(StateFolderInUseError);
      await expect(second).rejects.toThrow(`Another dev stack (pid ${process.pid}) is using ${stateDir}`);
      // The first one is untouched.
      expect((await fetch(`${first.endpoints.convexUrl}/version`)).ok).toBe(true);
      expect(existsSync(path.join(stateDir, "stack.json"))).toBe(true);
    } finally {
      await first.stop();
    }
  });

  it("two stacks started together on the same preferred ports each get their own", { timeout: 180_000 }, async () => {
    const home = path.join(folder, "home");
    // Preferred ports nothing else in the test run uses, so that both stacks want the same ones.
    const runs = ["a", "b"].map((name) => startDevCommand(["--offline", "--no-app", "--state-dir", path.join(folder, `together-${name}`)], home));
    const groups: number[] = [];
    try {
      const stacks = await Promise.all(runs.map((run, index) => waitForStackFile(run, path.join(folder, `together-${"ab"[index]}`))));
      for (const stack of stacks) groups.push(...Object.values(stack.processGroups));
      const [a, b] = stacks as [(typeof stacks)[0], (typeof stacks)[0]];
      expect(new Set([a.convexUrl, a.convexSiteUrl, a.s3Endpoint, b.convexUrl, b.convexSiteUrl, b.s3Endpoint]).size).toBe(6);
      for (const stack of stacks) expect((await fetch(`${stack.convexUrl}/version`)).ok).toBe(true);
      for (const run of runs) expect(run.output()).not.toContain("EADDRINUSE");
    } finally {
      for (const run of runs) {
        run.process.kill("SIGINT");
        await run.exited;
        killEverything(run, { groups });
      }
    }
  });
});
