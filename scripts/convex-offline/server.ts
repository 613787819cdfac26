/**
 * Starts the offline backend: the deployment origin (HTTP API and the sync WebSocket) and
 * the site origin (HTTP actions) on 127.0.0.1, with the project's functions executed by
 * convex-test in this process. With a data folder (`dataDir`) every commit is journaled and
 * fsync'd before it is answered and the data survives a crash (`dataStore.ts`); without one it
 * lives in memory only.
 *
 * The functions' environment is process-wide (`process.env`) and modules are imported once
 * per process, so run one backend per process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { TokenVerifier } from "./auth";
import { CommitClock } from "./commitClock";
import { CronRunner } from "./cronRunner";
import { DataStore } from "./dataStore";
import { onEveryCommit, reachEngineState, restoreEngineState, snapshotEngineState } from "./engineState";
import { FunctionExecutor } from "./executor";
import { createHttpActionHandler } from "./httpActions";
import { createHttpApiHandler } from "./httpApi";
import { loadProject, type ConvexProject } from "./loadProject";
import { consoleLogger, type Logger } from "./log";
import { MutationLog } from "./mutationLog";
import { ScheduledFunctionRecovery } from "./scheduledRecovery";
import { SubscriptionHub } from "./subscriptions";
import { SyncSession, type SyncSessionServices } from "./syncSession";

export type OfflineBackendOptions = {
  /** The Convex functions folder (with `_generated/`). */
  functionsDir: string;
  /** Deployment origin port; 0 picks a free one. */
  port: number;
  /** Site origin (HTTP actions) port; 0 picks a free one. */
  sitePort: number;
  /** Environment variables for the functions, as `npx convex env set` holds them on Convex. */
  env?: Record<string, string>;
  /** Where the data is kept between runs (`<state dir>/convex-data`); without it, in memory only. */
  dataDir?: string;
  /** Start with no data: what `dataDir` held is moved to `<dataDir>.previous`. */
  fresh?: boolean;
  log?: Logger;
};

export type OfflineBackend = {
  convexUrl: string;
  siteUrl: string;
  project: ConvexProject;
  stop(): Promise<void>;
};

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const SYNC_PATH = /^\/api\/[^/]+\/sync$/;

export async function startOfflineBackend(options: OfflineBackendOptions): Promise<OfflineBackend> {
  const log = options.log ?? consoleLogger;
  // Both origins listen first so their URLs (CONVEX_SITE_URL above all, which
  // auth.config.ts reads at import) are known before the functions load.
  const handlers: { api?: RequestHandler; site?: RequestHandler } = {};
  const apiServer = createServer((req, res) => void dispatch(handlers.api, req, res, log));
  const siteServer = createServer((req, res) => void dispatch(handlers.site, req, res, log));
  let restoreEnv = () => {};
  let store: DataStore | undefined;
  const release = async () => {
    await Promise.all([closeServer(apiServer), closeServer(siteServer)]);
    restoreEnv();
    await store?.close();
  };
  let convexUrl: string, siteUrl: string, project: ConvexProject;
  try {
    // First, so a second backend on the same folder stops before anything else.
    if (options.dataDir !== undefined) store = await DataStore.open(options.dataDir, { fresh: options.fresh ?? false, log });
    convexUrl = `http://127.0.0.1:${await listen(apiServer, options.port)}`;
    siteUrl = `http://127.0.0.1:${await listen(siteServer, options.sitePort)}`;
    const env = { ...options.env, CONVEX_CLOUD_URL: convexUrl, CONVEX_SITE_URL: siteUrl };
    restoreEnv = setProcessEnv(env);
    project = await loadProject(options.functionsDir, { env });
  } catch (error) {
    await release();
    throw error;
  }

  const executor = new FunctionExecutor(
    project,
    () => hub.invalidate(),
    log,
    store ? { whenDurable: () => store.whenDurable() } : {},
  );
  let recovery: ScheduledFunctionRecovery | undefined;
  try {
    if (store) recovery = await restoreData(store, executor, log);
  } catch (error) {
    await release();
    throw error;
  }
  const clock = new CommitClock(
    store
      ? {
          start: maxBigInt(store.restored.clockReserve, store.restored.lastCommitTs),
          reserve: (until) => store.reserveClock(until),
        }
      : {},
  );
  const hub = new SubscriptionHub(clock, executor, log);
  const verifier = new TokenVerifier(project.authProviders);
  const services: SyncSessionServices = { executor, verifier, hub, clock, mutationLog: new MutationLog(clock), log };
  const crons = new CronRunner(
    project.crons,
    executor,
    log,
    store
      ? { planned: (identifier) => store.restored.crons.get(identifier), plan: (identifier, plan) => store.appendCronPlan(identifier, plan) }
      : undefined,
  );

  const sessions = new Set<SyncSession>();
  const webSockets = new WebSocketServer({ noServer: true });
  apiServer.on("upgrade", (req, socket, head) => {
    if (!SYNC_PATH.test(new URL(req.url ?? "/", convexUrl).pathname)) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    webSockets.handleUpgrade(req, socket, head, (ws) => {
      const session = new SyncSession(ws, services);
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  });
  handlers.api = createHttpApiHandler({ executor, verifier });
  handlers.site = createHttpActionHandler({ executor, verifier, siteUrl });
  announce(log, { convexUrl, siteUrl, project, envCount: Object.keys(options.env ?? {}).length, store });
  await recovery?.start();
  crons.start();

  return {
    convexUrl,
    siteUrl,
    project,
    async stop() {
      crons.stop();
      recovery?.stop();
      for (const session of sessions) session.close();
      webSockets.close();
      await release();
    },
  };
}

/**
 * Puts the data folder's documents into the engine, journals every commit from now on, and
 * returns what takes up the scheduled functions left unfinished.
 */
async function restoreData(store: DataStore, executor: FunctionExecutor, log: Logger): Promise<ScheduledFunctionRecovery> {
  const engine = await reachEngineState(executor.engine);
  restoreEngineState(engine, store.restored);
  onEveryCommit(engine, store);
  store.setSnapshotSource(() => snapshotEngineState(engine));
  // Replaying is done: a snapshot now keeps the next start-up short.
  if (store.loaded.journalRecords > 0) await store.compact();
  return new ScheduledFunctionRecovery(engine, executor, log);
}

function announce(
  log: Logger,
  {
    convexUrl,
    siteUrl,
    project,
    envCount,
    store,
  }: { convexUrl: string; siteUrl: string; project: ConvexProject; envCount: number; store: DataStore | undefined },
): void {
  const functions = [...project.functions.values()];
  const publicCount = functions.filter((fn) => fn.visibility === "public").length;
  log.info(
    [
      "Offline Convex backend — NOT a real Convex deployment.",
      `  Functions from ${project.functionsDir} run in this process on convex-test.`,
      store
        ? `  Data is kept in ${store.dataDir} (snapshot + fsync'd journal): ${store.restored.documents.size} documents ` +
          `restored${store.loaded.journalRecords > 0 ? `, ${store.loaded.journalRecords} journal records replayed` : ""}.`
        : "  No data folder was given: data lives in memory only and is gone when this process stops.",
      `  Deployment URL (NEXT_PUBLIC_CONVEX_URL): ${convexUrl}`,
      `  Site URL (CONVEX_SITE_URL, HTTP actions): ${siteUrl}`,
      `  ${functions.length} functions (${publicCount} public), ${project.crons.length} cron jobs, ` +
        `HTTP actions: ${project.httpRouter === undefined ? "none" : "yes"}, ${envCount} environment variables`,
    ].join("\n"),
  );
  for (const [modulePath, error] of project.failedModules) {
    log.error(`  ! ${modulePath} failed to load; its functions answer with this error: ${String(error)}`);
  }
}

async function dispatch(
  handler: RequestHandler | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  if (!handler) {
    res.writeHead(503, { "content-type": "text/plain" }).end("The offline Convex backend is still loading");
    return;
  }
  try {
    await handler(req, res);
  } catch (error) {
    log.error(`[http] ${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("Internal error in the offline backend");
  }
}

/** Sets the functions' environment; the returned function puts the previous values back. */
function setProcessEnv(variables: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
