// @vitest-environment node
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadOrCreateWorkerSecret, minimalProcessEnv, PASSED_THROUGH_SETTINGS, passedThroughSettings } from "./functionEnv";

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-function-env-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("the functions' environment from the dev settings", () => {
  test("passes the README's function settings through, trimmed, and nothing else", () => {
    expect(
      passedThroughSettings({
        MAX_UPLOAD_BYTES: " 1048576 ",
        WORKER_LEASE_SECONDS: "30",
        OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed",
        UPLOAD_ABANDON_HOURS: "",
        MODAL_TOKEN_ID: "ak-1",
        MODAL_TOKEN_SECRET: "as-1",
        AWS_SECRET_ACCESS_KEY: "shell-only",
        PATH: "/usr/bin",
      }),
    ).toEqual({ MAX_UPLOAD_BYTES: "1048576", WORKER_LEASE_SECONDS: "30", OEMBED_ENDPOINT: "http://127.0.0.1:9/oembed" });
  });

  test("passes through exactly the README's settings that npm run dev does not set itself", () => {
    const readme = readFileSync(path.join(__dirname, "../../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| Variable | Default | Meaning |"));
    const rows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
    const documented = rows.flatMap((row) => {
      const [, names = "", defaultValue = ""] = row.split("|");
      const setByTheStack = /set by `npm run dev`|generated/.test(defaultValue);
      return setByTheStack ? [] : [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!);
    });
    const notPassed = documented.filter((name) => name.startsWith("MODAL_"));
    expect(notPassed.length).toBeGreaterThan(0);
    expect([...PASSED_THROUGH_SETTINGS].sort()).toEqual(documented.filter((name) => !notPassed.includes(name)).sort());
  });

  test("the worker secret is the configured one, else one generated once and kept private", async () => {
    const file = path.join(folder, "state", "worker-secret");
    expect(await loadOrCreateWorkerSecret({ WORKER_SECRET: " configured " }, file)).toBe("configured");
    const generated = await loadOrCreateWorkerSecret({}, file);
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await loadOrCreateWorkerSecret({}, file)).toBe(generated);
    expect((await readFile(file, "utf8")).trim()).toBe(generated);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await writeFile(file, "\n");
    const regenerated = await loadOrCreateWorkerSecret({}, file);
    expect(regenerated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(regenerated).not.toBe(generated);
  });

  test("a child backend gets only what it needs to run, not the shell's secrets", () => {
    expect(
      minimalProcessEnv({ PATH: "/usr/bin", HOME: "/home/me", MODAL_TOKEN_SECRET: "as-1", R2_SECRET_ACCESS_KEY: "x" }),
    ).toEqual({ PATH: "/usr/bin", HOME: "/home/me" });
  });
});
