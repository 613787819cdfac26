// @vitest-environment node
/**
 * `npm run dev -- --offline --no-app` end to end: storage and the offline backend come up
 * on free ports, `.dev/stack.json` (here in a temporary state folder) describes them, and
 * stopping leaves no process and no stack file behind.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConvexHttpClient } from "convex/browser";
import { anyApi } from "convex/server";
import { startDevStack } from "./devStack";

let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "reeldrop-dev-stack-"));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Processes whose command line mentions the state folder (the offline backend's --env-file). */
function processesUsing(folder: string): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(folder) && !line.includes("ps -eo"));
}

describe("startDevStack", () => {
  it("starts storage and the offline backend, describes them in stack.json and stops cleanly", { timeout: 90_000 }, async () => {
    const lines: string[] = [];
    const stack = await startDevStack({
      offline: true,
      app: false,
      ports: { app: 0, convex: 0, site: 0, s3: 0 },
      stateDir,
      log: (line) => lines.push(line),
    });
    try {
      const stackFile = path.join(stateDir, "stack.json");
      expect(JSON.parse(await readFile(stackFile, "utf8"))).toEqual(stack.endpoints);
      expect(stack.endpoints).toMatchObject({ backend: "offline", appUrl: null, bucket: "reeldrop-dev" });
      expect(lines.join("\n")).toMatch(/Offline Convex backend[\s\S]*Data is kept in .*convex-data/);

      const convex = new ConvexHttpClient(stack.endpoints.convexUrl, { logger: false });
      expect(await convex.query(anyApi.auth!.isAuthenticated!, {})).toBe(false);
      const discovery = await fetch(`${stack.endpoints.convexSiteUrl}/.well-known/openid-configuration`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(stack.endpoints.convexSiteUrl);
      expect((await fetch(stack.endpoints.s3Endpoint)).status).toBeLessThan(500);
      expect(processesUsing(stateDir)).not.toEqual([]);
    } finally {
      await stack.stop();
    }
    expect(processesUsing(stateDir)).toEqual([]);
    expect(existsSync(path.join(stateDir, "stack.json"))).toBe(false);
  });

  it("comes up without a worker, and says why, on a machine without FFmpeg", { timeout: 90_000 }, async () => {
    vi.stubEnv("FFPROBE_PATH", "/nonexistent/ffprobe");
    const lines: string[] = [];
    const stack = await startDevStack({ offline: true, app: false, ports: { app: 0, convex: 0, site: 0, s3: 0 }, stateDir, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain("[dev] FFmpeg not found (install it, or set FFMPEG_PATH/FFPROBE_PATH): no local worker, so uploaded jobs wait");
      expect(lines.filter((line) => line.startsWith("[worker]"))).toEqual([]);
      const convex = new ConvexHttpClient(stack.endpoints.convexUrl, { logger: false });
      expect(await convex.query(anyApi.auth!.isAuthenticated!, {})).toBe(false);
    } finally {
      await stack.stop();
    }
  });

  it("leaves nothing running when it is stopped during start-up", { timeout: 90_000 }, async () => {
    const controller = new AbortController();
    const starting = startDevStack({
      offline: true,
      app: false,
      ports: { app: 0, convex: 0, site: 0, s3: 0 },
      stateDir,
      signal: controller.signal,
      // Ctrl-C right after storage is up, before the backend is spawned.
      log: (line) => {
        if (line.startsWith("[dev] storage:")) controller.abort(new Error("Ctrl-C"));
      },
    });
    await expect(starting).rejects.toThrow("Ctrl-C");
    expect(processesUsing(stateDir)).toEqual([]);
  });
});
