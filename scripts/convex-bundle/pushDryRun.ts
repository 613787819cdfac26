/**
 * Runs the Convex CLI's own `npx convex deploy --dry-run` as far as it goes without a network:
 * typecheck (with `convex/tsconfig.json`), codegen and bundling for both runtimes. The
 * deployment it names is a 127.0.0.1 listener that answers the CLI's first request (the one
 * that comes only after bundling) with an error, so the run stops there, fast, and that request
 * is the proof that everything before it passed.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type PushDryRunResult = {
  /** The CLI typechecked, generated code and bundled both runtimes, then asked the deployment for its config. */
  passedBundling: boolean;
  /** What the CLI printed, minus its telemetry noise. */
  output: string;
};

/** At most this long for a dry run (about 6 s on 2 cores); the CLI is killed after it. */
const DRY_RUN_TIMEOUT_MS = 120_000;

/** The CLI reports its crash to a telemetry host; offline, that fails with this noise. */
const TELEMETRY_NOISE = /^.*(sentry\.io|originated either by throwing|GetAddrInfoReqWrap|Unexpected Error: Error: getaddrinfo).*$\n?/gm;

export async function runPushDryRun(projectDir: string): Promise<PushDryRunResult> {
  let configRequests = 0;
  const stopHere = createServer((request, response) => {
    if (request.url?.startsWith("/api/get_config")) configRequests += 1;
    response.writeHead(400, { "content-type": "application/json" });
    response.end(JSON.stringify({ code: "DryRunStop", message: "a dry run stops before the deployment" }));
  });
  await new Promise<void>((resolve) => stopHere.listen(0, "127.0.0.1", resolve));
  const { port } = stopHere.address() as AddressInfo;
  try {
    const output = await runCli(projectDir, `http://127.0.0.1:${port}`);
    return { passedBundling: configRequests > 0, output: output.replace(TELEMETRY_NOISE, "").trim() };
  } finally {
    stopHere.close();
  }
}

function runCli(projectDir: string, deploymentUrl: string): Promise<string> {
  const packageJson = createRequire(import.meta.url).resolve("convex/package.json");
  const cli = join(dirname(packageJson), "bin", "main.js");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONVEX_SELF_HOSTED_URL: deploymentUrl,
    // Only this listener sees it, and it checks nothing.
    CONVEX_SELF_HOSTED_ADMIN_KEY: "dry-run",
    CONVEX_DEPLOYMENT: undefined,
    CONVEX_DEPLOY_KEY: undefined,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "deploy", "--dry-run", "--yes", "--typecheck", "enable"], {
      cwd: projectDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), DRY_RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}
