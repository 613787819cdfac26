/**
 * The whole local stack behind `npm run dev`, also started programmatically by Playwright
 * and benchmarks: S3-compatible storage (embedded unless R2 is configured), a Convex
 * backend with the functions' environment set, the local worker (when it exists) and
 * Next.js. The resolved endpoints go to `.dev/stack.json`.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { startEmbeddedS3, type EmbeddedS3 } from "../s3/embeddedS3";
import { ChildProcesses, type ChildExit } from "./childProcesses";
import { loadOrCreateConvexAuthKeys } from "./convexAuthKeys";
import { startConvexBackend, type ConvexBackendKind } from "./convexBackend";
import { readDevSettings } from "./envLocal";
import { loadOrCreateWorkerSecret, passedThroughSettings } from "./functionEnv";
import { portChooser } from "./ports";
import { waitForAnswer } from "./readiness";
import { lockStateFolder } from "./stateFolderLock";
import { checkFfmpegBinaries } from "../../modal/worker/pipeline/ffmpegBinaries";

export type DevStackOptions = {
  /** Use the offline Convex backend even when a real one could run. */
  offline?: boolean;
  /** The offline Convex backend starts with no data (`--fresh`: its data folder is moved aside). */
  fresh?: boolean;
  /** Start Next.js (default true). */
  app?: boolean;
  /** Start the local worker (default true); tests that drive a worker themselves turn it off. */
  worker?: boolean;
  /** Extra environment for the Convex functions (e.g. a shorter worker lease in tests). */
  functionEnv?: Record<string, string>;
  /** Preferred ports; a taken port falls back to a free one, 0 always picks a free one. */
  ports?: Partial<DevPorts>;
  /** The repository root (default: the current directory). */
  cwd?: string;
  /** Where keys, the functions' env, stored objects and stack.json go (default: <cwd>/.dev). */
  stateDir?: string;
  /** Where progress and child output go (default: stdout). */
  log?: (line: string) => void;
  /** Aborting while the stack starts stops what has started; `startDevStack` then rejects. */
  signal?: AbortSignal;
};

export type DevPorts = { app: number; convex: number; site: number; s3: number };

/** What `.dev/stack.json` holds. */
export type StackEndpoints = {
  convexUrl: string;
  convexSiteUrl: string;
  s3Endpoint: string;
  bucket: string;
  /** null when started with `--no-app`. */
  appUrl: string | null;
  backend: ConvexBackendKind;
  /** The worker API's shared secret for this stack (also in the functions' env). */
  workerSecret: string;
  /** The process group of each child (`convex`, `worker`, `next`), for tools that check on them. */
  processGroups: Record<string, number>;
};

export type DevStack = {
  endpoints: StackEndpoints;
  /** Resolves when a child process exits while the stack runs. */
  exited: Promise<ChildExit>;
  stop(): Promise<void>;
};

export const DEFAULT_PORTS: DevPorts = { app: 3000, convex: 3210, site: 3211, s3: 9000 };
const DEFAULT_BUCKET = "reeldrop-dev";
const APP_READY_TIMEOUT_MS = 120_000;
/** Next.js compiles a page on its first request: the first page can take this long on 2 cores. */
const APP_FIRST_PAGE_TIMEOUT_MS = 180_000;
const PART_ANSWER_TIMEOUT_MS = 30_000;

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const log = options.log ?? ((line: string) => console.log(line));
  const withApp = options.app ?? true;
  const preferred = { ...DEFAULT_PORTS, ...options.ports };
  const settings = readDevSettings(cwd);
  const stateDir = path.resolve(options.stateDir ?? path.join(cwd, ".dev"));
  const stackFile = path.join(stateDir, "stack.json");
  // Refuses before touching anything when another stack uses the folder.
  const stateLock = await lockStateFolder(stateDir);
  const processes = new ChildProcesses(log);
  const ports = portChooser(log);
  let s3: EmbeddedS3 | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await rm(stackFile, { force: true });
      await processes.stopAll();
      await s3?.stop();
      ports.releaseAll();
      stateLock.release();
    })());
  options.signal?.addEventListener("abort", () => void stop(), { once: true });

  try {
    const appPort = await ports.choose(preferred.app, "Next.js");
    const appOrigins = [`http://localhost:${appPort}`, `http://127.0.0.1:${appPort}`];
    const appUrl = appOrigins[0] as string;

    const storage = settings.R2_ENDPOINT
      ? {
          endpoint: settings.R2_ENDPOINT,
          bucket: requireSetting(settings, "R2_BUCKET"),
          accessKeyId: requireSetting(settings, "R2_ACCESS_KEY_ID"),
          secretAccessKey: requireSetting(settings, "R2_SECRET_ACCESS_KEY"),
        }
      : (s3 = await startEmbeddedS3({
          port: await ports.choose(preferred.s3, "S3 server"),
          bucket: settings.R2_BUCKET ?? DEFAULT_BUCKET,
          allowedOrigins: appOrigins,
          directory: path.join(stateDir, "s3"),
        }));
    options.signal?.throwIfAborted();
    log(`[dev] storage: ${s3 ? "embedded S3 server" : "R2"} at ${storage.endpoint}, bucket ${storage.bucket}`);

    const workerSecret = await loadOrCreateWorkerSecret(settings, path.join(stateDir, "worker-secret"));
    const functionEnv: Record<string, string> = {
      ...passedThroughSettings(settings),
      R2_ENDPOINT: storage.endpoint,
      R2_BUCKET: storage.bucket,
      R2_ACCESS_KEY_ID: storage.accessKeyId,
      R2_SECRET_ACCESS_KEY: storage.secretAccessKey,
      WORKER_SECRET: workerSecret,
      SITE_URL: appUrl,
      ...(await loadOrCreateConvexAuthKeys(path.join(stateDir, "convex-auth-keys.json"))),
      ...options.functionEnv,
    };
    const convex = await startConvexBackend({
      cwd,
      stateDir: stateDir,
      offline: options.offline ?? false,
      fresh: options.fresh ?? false,
      ports: {
        convex: await ports.choose(preferred.convex, "Convex"),
        site: await ports.choose(preferred.site, "Convex site"),
      },
      functionEnv,
      settings,
      processes,
      log,
    });

    options.signal?.throwIfAborted();
    if (options.worker === false) {
      log("[dev] local worker not started (worker: false)");
    } else if (!(await ffmpegRuns())) {
      // The worker would exit at once (code 2), and the stack with it: the app still runs.
      log("[dev] FFmpeg not found (install it, or set FFMPEG_PATH/FFPROBE_PATH): no local worker, so uploaded jobs wait");
    } else if (existsSync(path.join(cwd, "modal", "worker", "main.ts"))) {
      processes.start("worker", "npm", ["run", "--silent", "worker"], {
        cwd,
        env: { ...process.env, CONVEX_SITE_URL: convex.siteUrl, WORKER_SECRET: workerSecret },
      });
    } else {
      log("[dev] no local worker yet (modal/worker/main.ts is missing): uploaded jobs will wait");
    }

    if (withApp) {
      const next = processes.start(
        "next",
        process.execPath,
        [path.join("node_modules", "next", "dist", "bin", "next"), "dev", "--hostname", "127.0.0.1", "--port", String(appPort)],
        { cwd, env: { ...process.env, NEXT_PUBLIC_CONVEX_URL: convex.convexUrl, NEXT_TELEMETRY_DISABLED: "1" } },
      );
      await next.waitForLine(/Ready in|ready started server/i, APP_READY_TIMEOUT_MS);
    }

    // stack.json promises a stack that answers: every part it names, the app's first page included.
    await waitForAnswer(storage.endpoint, ({ status }) => status < 500, PART_ANSWER_TIMEOUT_MS, options.signal);
    await waitForAnswer(`${convex.siteUrl}/.well-known/openid-configuration`, ({ status }) => status < 500, PART_ANSWER_TIMEOUT_MS, options.signal);
    if (withApp) {
      log(`[dev] compiling the app's first page (${appUrl})…`);
      await waitForAnswer(appUrl, ({ status }) => status === 200, APP_FIRST_PAGE_TIMEOUT_MS, options.signal);
    }

    options.signal?.throwIfAborted();
    const endpoints: StackEndpoints = {
      convexUrl: convex.convexUrl,
      convexSiteUrl: convex.siteUrl,
      s3Endpoint: storage.endpoint,
      bucket: storage.bucket,
      appUrl: withApp ? appUrl : null,
      backend: convex.kind,
      workerSecret,
      processGroups: processes.processGroups(),
    };
    await mkdir(stateDir, { recursive: true });
    processes.removeIfKilled(stackFile);
    await writeFile(stackFile, JSON.stringify(endpoints, null, 2) + "\n", { mode: 0o600 });
    return { endpoints, exited: processes.exited, stop };
  } catch (error) {
    await stop();
    // Children stopped by an abort fail their waits; report the abort, not those failures.
    throw options.signal?.aborted ? options.signal.reason : error;
  }
}

async function ffmpegRuns(): Promise<boolean> {
  try {
    await checkFfmpegBinaries();
    return true;
  } catch {
    return false;
  }
}

function requireSetting(settings: Record<string, string | undefined>, name: string): string {
  const value = settings[name];
  if (!value) throw new Error(`R2_ENDPOINT is set, so ${name} must be set too (in .env.local or the environment)`);
  return value;
}
