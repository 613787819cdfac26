/**
 * The one way the worker starts a child process (FFmpeg, ffprobe, the transcription CLI): spawn
 * without a shell, hand stdout to the caller in chunks or lines, keep the end of stderr for error
 * messages, and kill the child when the AbortSignal fires or its wall-clock limit runs out. It
 * says how the child ended; what that means (success, which error) is for the caller to say.
 */
import { spawn } from "node:child_process";

/** The end of stderr is where a failing program says why; the rest is thrown away. */
const STDERR_TAIL_CHARS = 4000;

export type ChildProcessOptions = {
  signal?: AbortSignal;
  /** Working directory, so relative paths land in it. */
  cwd?: string;
  /** The child's whole environment (default: the worker's own). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Wall-clock limit: past it the child is killed and the run ends `timed_out`. */
  timeLimitMs?: number;
  /** stdout as it arrives. */
  onStdoutChunk?: (chunk: string) => void;
  /**
   * stdout line by line, without the newline; a last line without one comes once the child
   * has closed, however it ended.
   */
  onStdoutLine?: (line: string) => void;
};

/** The child exited by itself, or a signal that was not ours killed it. */
export type ChildProcessExit = {
  kind: "exited";
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string;
};

/** How the child ended: it exited, it never started, or it ran past its time limit. */
export type ChildProcessEnd =
  ChildProcessExit | { kind: "not_started"; error: Error } | { kind: "timed_out" };

/**
 * Runs `command` once and resolves with how it ended, only once it has closed (its output
 * read, so callers may use or delete its files). Rejects only with `signal.reason`: at once,
 * starting nothing, when the signal is already aborted, else once an abort has killed the child.
 */
export function runChildProcess(
  command: string,
  args: readonly string[],
  options: ChildProcessOptions = {},
): Promise<ChildProcessEnd> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      // Next's types make NODE_ENV required on ProcessEnv; a child may well run without it.
      env: options.env as NodeJS.ProcessEnv | undefined,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdoutLines = options.onStdoutLine && lineSplitter(options.onStdoutLine);
    let stderrTail = "";
    let spawnError: Error | undefined;

    // SIGKILL: a run that is given up on has nothing left to finish.
    const killChild = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", killChild, { once: true });
    let timedOut = false;
    const timeLimit =
      options.timeLimitMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killChild();
          }, options.timeLimitMs);

    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      options.onStdoutChunk?.(chunk);
      stdoutLines?.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on("error", (error) => {
      spawnError = error;
    });
    // "close" fires after "error" too, and only once the stdio streams are drained.
    child.on("close", (exitCode, exitSignal) => {
      signal?.removeEventListener("abort", killChild);
      clearTimeout(timeLimit);
      stdoutLines?.flush();
      if (signal?.aborted) reject(signal.reason);
      else if (spawnError) resolve({ kind: "not_started", error: spawnError });
      else if (timedOut) resolve({ kind: "timed_out" });
      else resolve({ kind: "exited", exitCode, exitSignal, stderrTail });
    });
  });
}

/** Cuts text that arrives in chunks into lines (without the newline) as they complete. */
export function lineSplitter(onLine: (line: string) => void) {
  let rest = "";
  return {
    push(chunk: string) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
    /** Hands on a last line that never got its newline. */
    flush() {
      if (rest) onLine(rest);
      rest = "";
    },
  };
}
