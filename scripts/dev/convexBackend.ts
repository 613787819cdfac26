/**
 * Starts the Convex backend for the dev stack and gives its functions their environment:
 * - a configured deployment (`CONVEX_DEPLOYMENT` / `CONVEX_SELF_HOSTED_URL` in `.env.local`):
 *   `npx convex dev` pushes and watches the functions, `npx convex env set` sets the env;
 * - else the Convex CLI's local backend, when its binary is already cached (the CLI cannot
 *   download it without network);
 * - else, or with `--offline`, the offline backend (scripts/convex-offline), which reads
 *   the env from `.dev/convex-env.json` and keeps its data in `.dev/convex-data/`.
 * A real backend that does not come up in time falls back to the offline one.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { OFFLINE_BACKEND_VERSION } from "../convex-offline/httpApi";
import type { ChildProcesses } from "./childProcesses";
import { minimalProcessEnv } from "./functionEnv";
import { waitForAnswer } from "./readiness";

export type ConvexBackendKind = "deployment" | "local" | "offline";

export type StartedConvexBackend = { kind: ConvexBackendKind; convexUrl: string; siteUrl: string };

export type ConvexBackendOptions = {
  cwd: string;
  /** Where the functions' env files are written (`.dev/`). */
  stateDir: string;
  offline: boolean;
  /** The offline backend starts with no data (its data folder is moved aside). */
  fresh?: boolean;
  ports: { convex: number; site: number };
  /** The functions' environment variables. */
  functionEnv: Record<string, string>;
  settings: Record<string, string | undefined>;
  processes: ChildProcesses;
  log: (line: string) => void;
};

const CONVEX_READY_LINE = /Convex functions ready!/;
const DEPLOYMENT_READY_TIMEOUT_MS = 120_000;
const LOCAL_BACKEND_READY_TIMEOUT_MS = 60_000;
const OFFLINE_READY_TIMEOUT_MS = 60_000;

export async function startConvexBackend(options: ConvexBackendOptions): Promise<StartedConvexBackend> {
  if (options.offline) return await startOffline(options, "--offline was given");
  const deployment = options.settings.CONVEX_DEPLOYMENT;
  const isLocalDeployment = deployment?.startsWith("local:") || deployment?.startsWith("anonymous:");
  if ((deployment && !isLocalDeployment) || options.settings.CONVEX_SELF_HOSTED_URL) {
    return (await tryConvexCli(options, "deployment")) ?? (await startOffline(options, "the configured deployment did not come up"));
  }
  const cachedVersion = cachedLocalBackendVersion();
  if (cachedVersion === undefined) {
    return await startOffline(options, "the Convex local backend binary is not cached and cannot be downloaded here");
  }
  return (
    (await tryConvexCli(options, "local", cachedVersion)) ??
    (await startOffline(options, "the Convex local backend did not come up"))
  );
}

/** Runs `npx convex dev` against a deployment or the local backend; undefined if it fails. */
async function tryConvexCli(
  options: ConvexBackendOptions,
  kind: "deployment" | "local",
  localBackendVersion?: string,
): Promise<StartedConvexBackend | undefined> {
  const { cwd, ports, processes, log, settings } = options;
  const args = ["convex", "dev", "--typecheck", "disable", "--tail-logs", "disable"];
  if (kind === "local") {
    args.push("--local", "--local-cloud-port", String(ports.convex), "--local-site-port", String(ports.site));
    if (localBackendVersion) args.push("--local-backend-version", localBackendVersion);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Lets the CLI create a local deployment without logging in or asking questions.
  if (kind === "local" && !settings.CONVEX_DEPLOYMENT) env.CONVEX_AGENT_MODE = "anonymous";
  log(`[dev] starting Convex (${kind === "local" ? "the CLI's local backend" : `deployment ${settings.CONVEX_DEPLOYMENT ?? settings.CONVEX_SELF_HOSTED_URL}`})`);
  const child = processes.start("convex", "npx", args, { cwd, env });
  try {
    await child.waitForLine(CONVEX_READY_LINE, kind === "local" ? LOCAL_BACKEND_READY_TIMEOUT_MS : DEPLOYMENT_READY_TIMEOUT_MS);
    const urls = kind === "local" ? localUrls(ports) : deploymentUrls(settings);
    const envFile = await writeFunctionEnv(options.stateDir, options.functionEnv);
    const setEnv = processes.start("convex-env", "npx", ["convex", "env", "set", "--force", "--from-file", envFile], {
      cwd,
      env: process.env,
      expectExit: true,
    });
    const exit = await setEnv.whenExited;
    if (exit.code !== 0) throw new Error("npx convex env set failed");
    if (kind === "deployment" && isLoopback(options.functionEnv.R2_ENDPOINT)) {
      log("[dev] warning: a remote deployment cannot reach the embedded S3 server on 127.0.0.1; configure R2 in .env.local");
    }
    return { kind, ...urls };
  } catch (error) {
    log(`[dev] ${(error as Error).message}`);
    await processes.stop("convex");
    return undefined;
  }
}

async function startOffline(options: ConvexBackendOptions, reason: string): Promise<StartedConvexBackend> {
  const { cwd, stateDir, ports, processes, log } = options;
  log(`[dev] using the offline Convex backend: ${reason}`);
  const envFile = path.join(stateDir, "convex-env.json");
  await mkdir(path.dirname(envFile), { recursive: true });
  await writeFile(envFile, JSON.stringify(options.functionEnv, null, 2), { mode: 0o600 });
  const child = processes.start(
    "convex",
    process.execPath,
    [
      "--import",
      "tsx",
      path.join("scripts", "convex-offline", "main.ts"),
      "--port",
      String(ports.convex),
      "--site-port",
      String(ports.site),
      "--env-file",
      envFile,
      "--data-dir",
      path.join(stateDir, "convex-data"),
      ...(options.fresh ? ["--fresh"] : []),
    ],
    // The functions run in this process: they see the function env file, not this shell.
    { cwd, env: minimalProcessEnv() },
  );
  const urls = localUrls(ports);
  await Promise.race([
    waitForAnswer(`${urls.convexUrl}/version`, async (response) => response.ok && (await response.text()) === OFFLINE_BACKEND_VERSION, OFFLINE_READY_TIMEOUT_MS),
    child.whenExited.then((exit) => {
      throw new Error(`The offline Convex backend exited during start-up (code ${exit.code ?? exit.signal})`);
    }),
  ]);
  return { kind: "offline", ...urls };
}

/** The CLI's `--from-file` format: one KEY='value' per line. */
async function writeFunctionEnv(stateDir: string, env: Record<string, string>): Promise<string> {
  const file = path.join(stateDir, "convex-env.env");
  const lines = Object.entries(env).map(([name, value]) => {
    if (value.includes("'") || value.includes("\n")) throw new Error(`${name} cannot be written as a quoted .env value`);
    return `${name}='${value}'`;
  });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, lines.join("\n") + "\n", { mode: 0o600 });
  return file;
}

/** The newest version of the Convex local backend binary the CLI has cached, if any. */
function cachedLocalBackendVersion(): string | undefined {
  const binaries = path.join(os.homedir(), ".cache", "convex", "binaries");
  if (!existsSync(binaries)) return undefined;
  return readdirSync(binaries)
    .filter((version) => existsSync(path.join(binaries, version, "convex-local-backend")))
    .sort()
    .at(-1);
}

function localUrls(ports: { convex: number; site: number }) {
  return { convexUrl: `http://127.0.0.1:${ports.convex}`, siteUrl: `http://127.0.0.1:${ports.site}` };
}

function deploymentUrls(settings: Record<string, string | undefined>) {
  const convexUrl = settings.NEXT_PUBLIC_CONVEX_URL ?? settings.CONVEX_URL ?? settings.CONVEX_SELF_HOSTED_URL;
  if (!convexUrl) throw new Error("No NEXT_PUBLIC_CONVEX_URL in .env.local for the configured deployment");
  const siteUrl = settings.CONVEX_SITE_URL ?? convexUrl.replace(/\.convex\.cloud\/?$/, ".convex.site");
  if (siteUrl === convexUrl) throw new Error("Set CONVEX_SITE_URL in .env.local for this deployment");
  return { convexUrl, siteUrl };
}

function isLoopback(url: string | undefined): boolean {
  return url !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);
}
