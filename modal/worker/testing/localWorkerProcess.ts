/**
 * `npm run worker` as a child process against a local stack, for tests and benchmarks that
 * need the real process (its subscription, its signal handling, a SIGKILL). Its stderr is the
 * worker's JSON log, kept for assertions and failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { LocalStack } from "./localStack";

export type LocalWorkerProcess = {
  child: ChildProcess;
  /** Everything the worker logged so far. */
  log(): string;
  /** Resolves once the worker logged "worker started" (rejects after a minute). */
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export function startLocalWorkerProcess(stack: LocalStack, env: Record<string, string> = {}): LocalWorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "modal/worker/main.ts"], {
    env: {
      ...process.env,
      CONVEX_SITE_URL: stack.endpoints.convexSiteUrl,
      WORKER_SECRET: stack.endpoints.workerSecret,
      WORKER_SHUTDOWN_GRACE_SECONDS: "0",
      // Jobs and clips, as these tests count them: with the captions model installed the
      // worker's default adds captions, whose task writes artifacts of its own after READY.
      WORKER_KINDS: "process,clip",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start:\n${log}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('"event":"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, log: () => log, started, exited };
}
