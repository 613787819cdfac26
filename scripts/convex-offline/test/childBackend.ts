/**
 * The offline backend as `npm run dev` runs it: `main.ts` in a child process of its own, so a
 * test can SIGKILL it as a crash would end it and start another one on the same data folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ConvexAuthKeys } from "../../dev/convexAuthKeys";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = path.join(REPO_ROOT, "scripts", "convex-offline", "main.ts");
const READY_TIMEOUT_MS = 40_000;

export type ChildBackendConfig = {
  functionsDir: string;
  dataDir: string;
  /** Kept across restarts, as a dev stack keeps its ports: Convex Auth's tokens name the site origin. */
  ports: { convex: number; site: number };
  envFile: string;
};

export type ChildBackend = {
  convexUrl: string;
  siteUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
};

/** Writes the functions' env file (Convex Auth's keys) and picks two free ports. */
export async function childBackendConfig(
  functionsDir: string,
  dataDir: string,
  keys: ConvexAuthKeys,
  envFile: string,
): Promise<ChildBackendConfig> {
  writeFileSync(envFile, JSON.stringify({ ...keys, SITE_URL: "http://127.0.0.1:3000" }));
  return { functionsDir, dataDir, envFile, ports: { convex: await freePort(), site: await freePort() } };
}

export async function startChildBackend(config: ChildBackendConfig, extraArgs: string[] = []): Promise<ChildBackend> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      MAIN,
      "--functions",
      config.functionsDir,
      "--port",
      String(config.ports.convex),
      "--site-port",
      String(config.ports.site),
      "--env-file",
      config.envFile,
      "--data-dir",
      config.dataDir,
      ...extraArgs,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForBanner(child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    convexUrl: `http://127.0.0.1:${config.ports.convex}`,
    siteUrl: `http://127.0.0.1:${config.ports.site}`,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitForBanner(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/Site URL \(CONVEX_SITE_URL, HTTP actions\)/.test(output())) {
    if (child.exitCode !== null) throw new Error(`main.ts exited (${child.exitCode}) during start-up:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`main.ts did not start within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
