/**
 * The worker process.
 *
 *   npm run worker            subscribe to the queue and process jobs as they arrive
 *   npm run worker -- --drain process until the queue is empty, then exit (Modal's `drain`)
 *
 * Settings: CONVEX_SITE_URL and WORKER_SECRET (required), WORKER_CONCURRENCY (default 1),
 * WORKER_SHUTDOWN_GRACE_SECONDS (default 30), WORKER_FFMPEG_THREADS (default 2),
 * WORKER_DRAIN_CLAIM_SECONDS (drain mode: stop claiming after this long; default no limit),
 * WORKER_ID (default <hostname>-<pid>), WORKER_KINDS (default process,clip, and captions when
 * the captions model is installed: CAPTIONS_MODEL_DIR, `captions/transcribeAudio.ts`),
 * FFMPEG_PATH/FFPROBE_PATH. Without a working ffmpeg and ffprobe it exits at once (code 2)
 * rather than claim jobs it can only fail. On SIGTERM/SIGINT (both modes) the worker stops
 * claiming, gives the jobs in hand the grace period to finish, then hands them back
 * (`interrupted`: claimable again at once, not counted as an attempt).
 */
import { parseArgs } from "node:util";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { kindsServed } from "./captions/captionsKinds";
import { captionsSettings } from "./captions/transcribeAudio";
import { createClaimLoop, drainLoop } from "./claimLoop";
import { checkFfmpegBinaries, FfmpegUnavailableError } from "./pipeline/ffmpegBinaries";
import { wakeOnQueue } from "./queueWake";
import { createWorkerApiClient } from "./workerApiClient";
import { createWorkerLog } from "./workerLog";
import { readWorkerSettings, WorkerSettingsError } from "./workerSettings";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { drain: { type: "boolean", default: false } } });
  const configured = readWorkerSettings();
  await checkFfmpegBinaries();
  const log = createWorkerLog(configured.workerId);
  const captions = captionsSettings();
  const kinds = await kindsServed(
    configured.kinds,
    { explicit: Boolean(process.env.WORKER_KINDS?.trim()), modelDir: captions.modelDir },
    (message) => log.warn("captions off", { reason: message }),
  );
  if (kinds.length === 0) {
    log.info("nothing to serve", { kinds: configured.kinds });
    return 0;
  }
  const settings = { ...configured, kinds };
  const api = createWorkerApiClient({ siteUrl: settings.convexSiteUrl, secret: settings.workerSecret });
  const shutdown = new AbortController();
  const loopOptions = {
    api,
    log,
    shutdownSignal: shutdown.signal,
    workerId: settings.workerId,
    kinds: settings.kinds,
    concurrency: settings.concurrency,
    ffmpegThreads: settings.ffmpegThreads,
    captionsSettings: captions,
  };

  const loop = createClaimLoop(loopOptions);
  // A repeated or second signal changes nothing (on Modal the container's SIGINT may reach the
  // worker as well as app.py's SIGTERM): it still winds down and hands its jobs back. SIGKILL
  // is the way to stop it at once.
  const signaled = new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info("shutting down", { signal });
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  /** No new claims; the jobs in hand get the grace period, then hand themselves back. */
  const windDown = async () => {
    loop.stopClaiming();
    const grace = setTimeout(() => shutdown.abort(), settings.shutdownGraceMs);
    await loop.idle();
    clearTimeout(grace);
  };

  if (values.drain) {
    void signaled.then(windDown);
    const outcomes = await drainLoop(loop, { claimForMs: settings.drainClaimMs });
    log.info("queue drained", { jobs: outcomes.length });
    return 0;
  }

  const { convexUrl } = await api.info();
  if (convexUrl === null) throw new WorkerSettingsError("The deployment did not report its Convex URL.");
  const client = new ConvexClient(convexUrl, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
  const unsubscribe = wakeOnQueue({
    client,
    workerSecret: settings.workerSecret,
    kinds: settings.kinds,
    wake: () => loop.wake(),
    onError: (error) => log.warn("queue subscription failed", { cause: error.message }),
  });
  log.info("worker started", { kinds: settings.kinds, concurrency: settings.concurrency, ffmpegThreads: settings.ffmpegThreads });

  await signaled;
  unsubscribe();
  await windDown();
  await client.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof WorkerSettingsError || error instanceof FfmpegUnavailableError ? 2 : 1);
  },
);
