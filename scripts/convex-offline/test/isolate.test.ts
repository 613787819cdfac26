// @vitest-environment node
/**
 * The offline backend runs the code a push would upload, as Convex runs it: a Node API in a
 * default-runtime module stops it from starting (naming the module), the same module with
 * "use node" runs in Node, and default-runtime code gets the isolate's globals and
 * restrictions inside queries and mutations, with Convex's messages.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyApi } from "convex/server";
import { ProjectLoadError } from "../loadProject";
import { httpClient, startTestBackend, type TestBackend } from "./harness";

const here = path.dirname(fileURLToPath(import.meta.url));
const WITHOUT_USE_NODE = path.join(here, "nodeApi", "withoutUseNode", "convex");
const WITH_USE_NODE = path.join(here, "nodeApi", "withUseNode", "convex");
const REPO_ROOT = path.resolve(here, "..", "..", "..");
const limits = anyApi.limits!;

describe("a Node API in the default runtime", { timeout: 60_000 }, () => {
  it("stops the offline backend from starting, naming the module, as a push fails", async () => {
    const failure = await startTestBackend(WITHOUT_USE_NODE).then(
      async (backend) => {
        await backend.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProjectLoadError);
    expect((failure as ProjectLoadError).modules).toContain("fingerprint.ts");
    expect((failure as Error).message).toMatch(/Could not resolve "node:crypto"/);
    expect((failure as Error).message).toMatch(/without the "use node" directive/);
  });

  it("makes the command npm run dev starts exit with the module's name", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "convex-offline-isolate-"));
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/convex-offline/main.ts",
        "--functions",
        WITHOUT_USE_NODE,
        "--port",
        "0",
        "--site-port",
        "0",
        "--data-dir",
        dataDir,
      ],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 50_000 },
    );
    rmSync(dataDir, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Modules at fault: fingerprint\.ts/);
  });

  it("runs in Node when the module says \"use node\"", async () => {
    const backend = await startTestBackend(WITH_USE_NODE);
    try {
      expect(backend.project.functions.get("fingerprint:fingerprint")).toMatchObject({ kind: "action", runtime: "node" });
      expect(backend.project.functions.get("greetings:hello")).toMatchObject({ kind: "query", runtime: "isolate" });
      const client = httpClient(backend);
      expect(await client.action(anyApi.fingerprint!.fingerprint!, {})).toBe(
        createHash("sha256").update("reeldrop").digest("hex"),
      );
      expect(await client.query(anyApi.greetings!.hello!, {})).toBe("hello");
    } finally {
      await backend.stop();
    }
  });
});

describe("default-runtime code", { timeout: 30_000 }, () => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await startTestBackend();
  }, 30_000);
  afterAll(async () => {
    await backend?.stop();
  });

  it("has no require or Node globals, process.env holds the deployment's variables only, and a query's clock stands still", async () => {
    expect(await httpClient(backend).query(limits.runtimeGlobals!, {})).toEqual({
      require: "undefined",
      buffer: "undefined",
      processKeys: ["env"],
      greeting: "hello from the env file",
      home: null,
      clockStoodStill: true,
    });
  });

  const notAllowed = (what: string) =>
    `Can't use ${what} in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.`;

  it("cannot fetch or set timers in queries and mutations (Convex's messages), but may draw a random UUID, as on Convex", async () => {
    const client = httpClient(backend);
    await expect(client.query(limits.fetchInQuery!, {})).rejects.toThrow(notAllowed("fetch()"));
    await expect(client.mutation(limits.timerInMutation!, {})).rejects.toThrow(notAllowed("setTimeout"));
    const uuids = [await client.mutation(limits.randomUuidInMutation!, {}), await client.mutation(limits.randomUuidInMutation!, {})];
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(uuids[0]).not.toBe(uuids[1]);
  });

  it("keeps timers, fetch and randomness in actions", async () => {
    const result = await httpClient(backend).action(limits.timerAndFetchInAction!, { url: `${backend.siteUrl}/no-such-route` });
    expect(result).toEqual({ status: 404, uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});
