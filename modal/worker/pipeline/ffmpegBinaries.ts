/**
 * The one way the worker starts FFmpeg and ffprobe: resolve the binaries, run them with
 * `runChildProcess` (killed when the job's AbortSignal fires or their wall-clock limit runs
 * out), turn `-progress pipe:1` into percent, and a failed run into an error that says why.
 */
import { lineSplitter, runChildProcess, type ChildProcessOptions } from "../childProcess";

export type FfmpegBinaries = { ffmpeg: string; ffprobe: string };

/** `FFMPEG_PATH`/`FFPROBE_PATH` when set, else bare names that spawn looks up on the PATH. */
export function resolveFfmpegBinaries(
  env: Readonly<Record<string, string | undefined>> = process.env,
): FfmpegBinaries {
  return {
    ffmpeg: env.FFMPEG_PATH || "ffmpeg",
    ffprobe: env.FFPROBE_PATH || "ffprobe",
  };
}

/** The process ran and exited unsuccessfully; `stderrTail` holds its last words. */
export class FfmpegProcessError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    const how = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`;
    const lastLine = stderrTail.trim().split("\n").at(-1);
    super(lastLine ? `${command} ${how}: ${lastLine}` : `${command} ${how}`);
    this.name = "FfmpegProcessError";
  }
}

/** The process ran past its wall-clock limit and was killed. */
export class FfmpegTimeLimitError extends Error {
  constructor(
    readonly command: string,
    readonly timeLimitMs: number,
  ) {
    super(`${command} was still running after ${Math.round(timeLimitMs / 1000)} s and was killed`);
    this.name = "FfmpegTimeLimitError";
  }
}

/** The binary could not be started at all (not installed, wrong path, not executable). */
export class FfmpegUnavailableError extends Error {
  constructor(command: string, options: ErrorOptions & { cause: Error }) {
    const hint = "install FFmpeg or set FFMPEG_PATH/FFPROBE_PATH.";
    super(`Could not start ${command} (${options.cause.message}); ${hint}`, options);
    this.name = "FfmpegUnavailableError";
  }
}

/** A start-up check has nothing to decode: a second is plenty, a minute means a hung binary. */
const VERSION_CHECK_TIME_LIMIT_MS = 60_000;

/**
 * Runs `ffmpeg -version` and `ffprobe -version`, so a worker without FFmpeg says so once at
 * start-up instead of claiming jobs and failing each of them. Rejects with
 * `FfmpegUnavailableError` (or `FfmpegProcessError` for a binary that starts but fails).
 */
export async function checkFfmpegBinaries(): Promise<void> {
  const { ffmpeg, ffprobe } = resolveFfmpegBinaries();
  for (const command of [ffmpeg, ffprobe]) {
    await runFfmpegBinary(command, ["-hide_banner", "-version"], {
      timeLimitMs: VERSION_CHECK_TIME_LIMIT_MS,
    });
  }
}

/**
 * Percent from `-progress pipe:1`. ffmpeg 5.1 starts reporting only once every output has
 * written its header, so an output that emits its first frame late (a tiled sheet) holds
 * the report back; such runs need a progress signal of their own (see scanFullVideo).
 */
export type FfmpegProgress = {
  /** The length of the output timeline, the denominator of the percentage. */
  durationSec: number;
  onProgress: (pct: number) => void;
};

type RunFfmpegCommonOptions = {
  signal?: AbortSignal;
  /** Working directory, so relative output paths land in it. */
  cwd?: string;
  /** Wall-clock limit: past it the child is killed and the run rejects (`FfmpegTimeLimitError`). */
  timeLimitMs?: number;
};

/** stdout carries either ffmpeg's `-progress` report or the caller's own lines (`pipe:1`). */
export type RunFfmpegOptions = RunFfmpegCommonOptions &
  (
    | { progress?: FfmpegProgress; onStdoutLine?: never }
    | { progress?: never; onStdoutLine: (line: string) => void }
  );

/**
 * Runs ffmpeg with quiet logging (errors only, no banner, no stdin). Resolves when it exits
 * 0; rejects with `FfmpegProcessError` otherwise, with `FfmpegTimeLimitError` when it ran
 * past `timeLimitMs`, or with `signal.reason` once an abort has killed the child — each
 * only once the child has exited (so callers may delete its files).
 */
export async function runFfmpeg(args: readonly string[], options: RunFfmpegOptions = {}) {
  const { progress } = options;
  const progressArgs = progress ? ["-progress", "pipe:1"] : [];
  await runFfmpegBinary(
    resolveFfmpegBinaries().ffmpeg,
    ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", ...progressArgs, ...args],
    {
      signal: options.signal,
      cwd: options.cwd,
      timeLimitMs: options.timeLimitMs,
      onStdoutLine: progress ? progressLineReader(progress) : options.onStdoutLine,
    },
  );
}

/** Runs ffprobe (errors-only logging) and resolves with its stdout. */
export async function runFfprobe(
  args: readonly string[],
  options: { signal?: AbortSignal; timeLimitMs?: number } = {},
): Promise<string> {
  const chunks: string[] = [];
  await runFfmpegBinary(resolveFfmpegBinaries().ffprobe, ["-hide_banner", "-v", "error", ...args], {
    signal: options.signal,
    timeLimitMs: options.timeLimitMs,
    onStdoutChunk: (chunk) => chunks.push(chunk),
  });
  return chunks.join("");
}

/** ffmpeg's progress blocks are `key=value` lines; `out_time_us` is the output position. */
function progressLineReader({ durationSec, onProgress }: FfmpegProgress) {
  let lastPct = 0;
  return (line: string) => {
    const [key, value] = line.split("=", 2);
    let pct: number;
    if (key === "out_time_us" && value !== undefined && /^\d+$/.test(value)) {
      pct = durationSec > 0 ? Math.min(100, (Number(value) / 1e6 / durationSec) * 100) : 0;
    } else if (key === "progress" && value === "end") {
      pct = 100;
    } else {
      return;
    }
    // Blocks repeat positions (and `end` follows the last one); report only gains.
    if (pct > lastPct) {
      lastPct = pct;
      onProgress(pct);
    }
  };
}

type FfmpegBinaryOptions = Pick<
  ChildProcessOptions,
  "signal" | "cwd" | "timeLimitMs" | "onStdoutChunk" | "onStdoutLine"
>;

/**
 * Runs ffmpeg or ffprobe: resolves on exit code 0, rejects with `signal.reason` after an
 * abort and with this module's errors for any other end. Lines come trimmed, and a last line
 * without a newline only from a successful run.
 */
async function runFfmpegBinary(
  command: string,
  args: readonly string[],
  options: FfmpegBinaryOptions,
) {
  const { onStdoutChunk, onStdoutLine, timeLimitMs } = options;
  const stdoutLines = onStdoutLine && lineSplitter((line) => onStdoutLine(line.trim()));
  const end = await runChildProcess(command, args, {
    signal: options.signal,
    cwd: options.cwd,
    timeLimitMs,
    onStdoutChunk: (chunk) => {
      onStdoutChunk?.(chunk);
      stdoutLines?.push(chunk);
    },
  });
  if (end.kind === "not_started") throw new FfmpegUnavailableError(command, { cause: end.error });
  if (end.kind === "timed_out") throw new FfmpegTimeLimitError(command, timeLimitMs ?? 0);
  if (end.exitCode !== 0) {
    throw new FfmpegProcessError(command, end.exitCode, end.exitSignal, end.stderrTail);
  }
  stdoutLines?.flush();
}
