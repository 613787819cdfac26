/**
 * `tsx scripts/convex-offline/main.ts [options]` — runs the offline Convex backend until
 * SIGINT/SIGTERM. `npm run dev` starts it when no real Convex backend is available.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { readEnvFile } from "./envFile";
import { startOfflineBackend } from "./server";

const USAGE = `Usage: tsx scripts/convex-offline/main.ts [options]

Serves the project's Convex functions (executed by convex-test) over the same WebSocket
sync protocol and HTTP API as a Convex deployment. Data is kept in the data folder: every
commit is journaled and fsync'd before it is answered, so it survives a crash.

Options:
  --functions <dir>   Convex functions folder (default: convex)
  --port <n>          deployment origin port, 0 = any free port (default: 3210)
  --site-port <n>     site origin port for HTTP actions (default: 3211)
  --env-file <file>   JSON object of environment variables for the functions
                      (default: .dev/convex-env.json, written by npm run dev)
  --data-dir <dir>    where the data is kept: a snapshot and a journal
                      (default: .dev/convex-data; npm run dev: <state dir>/convex-data)
  --fresh             start with no data: the data folder's contents are moved to
                      <dir>.previous first
  --help              show this help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      functions: { type: "string", default: "convex" },
      port: { type: "string", default: "3210" },
      "site-port": { type: "string", default: "3211" },
      "env-file": { type: "string", default: path.join(".dev", "convex-env.json") },
      "data-dir": { type: "string", default: path.join(".dev", "convex-data") },
      fresh: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const envFile = values["env-file"];
  const env = readEnvFile(envFile);
  if (env === undefined) console.warn(`No ${envFile}: functions see no environment variables beyond CONVEX_*_URL.`);
  const backend = await startOfflineBackend({
    functionsDir: values.functions,
    port: parsePort(values.port, "--port"),
    sitePort: parsePort(values["site-port"], "--site-port"),
    dataDir: values["data-dir"],
    fresh: values.fresh,
    ...(env ? { env } : {}),
  });
  const shutDown = () => {
    // Scheduled functions still pending in convex-test hold timers, so exit explicitly.
    void backend.stop().finally(() => process.exit(0));
  };
  process.once("SIGINT", shutDown);
  process.once("SIGTERM", shutDown);
}

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} must be a port number`);
  return port;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
