/**
 * The worker's side of the transcription CLI (modal/captions/transcribe.py): where the model
 * and the Python module are, a start-up check that says clearly when the model is missing, and
 * one run of `python3 -m captions.transcribe` with its progress and its errors.
 *
 * Settings (all optional):
 * - `CAPTIONS_MODEL_DIR`: the faster-whisper model directory (default `.models/whisper-base`
 *   under the working directory, where `python3 modal/captions/setup_model.py` puts it);
 * - `CAPTIONS_PYTHON`: the Python to run (default `python3`);
 * - `CAPTIONS_PYTHONPATH`: the folder holding the `captions` package (default `modal` under
 *   the working directory; `/opt/reeldrop` in the Modal image);
 * - `CAPTIONS_DEVICE`, `CAPTIONS_COMPUTE_TYPE`, `CAPTIONS_THREADS`, `CAPTIONS_BATCH_SIZE`:
 *   passed through to the CLI (CPU int8 by default).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { runChildProcess, type ChildProcessExit } from "../childProcess";
import { transcriptSchema, type Transcript } from "./transcript";

export type CaptionsSettings = { python: string; pythonPath: string; modelDir: string };

export function captionsSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): CaptionsSettings {
  return {
    python: env.CAPTIONS_PYTHON || "python3",
    pythonPath: path.resolve(cwd, env.CAPTIONS_PYTHONPATH || "modal"),
    modelDir: path.resolve(cwd, env.CAPTIONS_MODEL_DIR || path.join(".models", "whisper-base")),
  };
}

/**
 * Null when `modelDir` holds a model (its `model.bin` and `config.json`); otherwise a message
 * to log once, after which the worker serves no captions work (jobs are not affected).
 */
export async function captionsModelProblem(modelDir: string): Promise<string | null> {
  for (const name of ["model.bin", "config.json"]) {
    const found = await stat(path.join(modelDir, name)).catch(() => null);
    if (!found?.isFile()) {
      return (
        `captions are off: no captions model in ${modelDir} (${name} missing). ` +
        "Install it with `python3 modal/captions/setup_model.py` or set CAPTIONS_MODEL_DIR."
      );
    }
  }
  return null;
}

/** Why a transcription failed: the CLI's codes, plus the two the worker itself can see. */
export type CaptionsErrorCode =
  | "model_missing"
  | "audio_unreadable"
  | "no_audio"
  | "python_unavailable"
  | "timed_out"
  | "failed";

export class CaptionsError extends Error {
  constructor(
    readonly code: CaptionsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CaptionsError";
  }

  /** Worth another attempt: a crash or a time-out may pass; a bad input or no model will not. */
  get retryable(): boolean {
    return this.code === "failed" || this.code === "timed_out";
  }
}

const EXIT_CODES: Record<number, CaptionsErrorCode> = { 3: "model_missing", 4: "audio_unreadable", 5: "no_audio" };

export type TranscribeOptions = {
  /** An audio or video file (the job's `audio` artifact or the source itself). */
  audioPath: string;
  /** Where the CLI writes the transcript JSON. */
  outPath: string;
  settings?: CaptionsSettings;
  /** Extra environment for the CLI (device, compute type, threads). */
  env?: Readonly<Record<string, string>>;
  onProgress?: (processedSec: number, durationSec: number) => void;
  signal?: AbortSignal;
  timeLimitMs?: number;
};

type CliEvent =
  | { event: "loading" }
  | { event: "progress"; processed: number; duration: number }
  | { event: "done"; seconds: number }
  | { event: "error"; code: string; message: string };

/** Runs the transcription CLI once and resolves with the transcript it wrote. */
export async function transcribeAudio(options: TranscribeOptions): Promise<Transcript> {
  const settings = options.settings ?? captionsSettings();
  const args = [
    ...["-m", "captions.transcribe"],
    ...["--audio", path.resolve(options.audioPath)],
    ...["--model-dir", settings.modelDir],
    ...["--out", path.resolve(options.outPath)],
  ];
  const env = {
    ...process.env,
    ...options.env,
    PYTHONPATH: [settings.pythonPath, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: "1",
  };
  const events = cliEventReader(options.onProgress);
  const end = await runChildProcess(settings.python, args, {
    env,
    signal: options.signal,
    timeLimitMs: options.timeLimitMs,
    onStdoutLine: events.readLine,
  });
  if (end.kind === "not_started") {
    throw new CaptionsError("python_unavailable", `could not start ${settings.python} (${end.error.message}); set CAPTIONS_PYTHON`);
  }
  if (end.kind === "timed_out") {
    throw new CaptionsError("timed_out", `transcription ran past ${Math.round((options.timeLimitMs ?? 0) / 1000)} s`);
  }
  if (end.exitCode !== 0) throw events.lastError() ?? exitError(end);
  return transcriptSchema.parse(JSON.parse(await readFile(options.outPath, "utf8")));
}

/** Reads the CLI's JSON events off stdout: progress goes on, the last error is kept. */
function cliEventReader(onProgress: TranscribeOptions["onProgress"]) {
  let lastError: CaptionsError | null = null;
  return {
    readLine(line: string) {
      if (!line.trim()) return;
      let event: CliEvent;
      try {
        event = JSON.parse(line) as CliEvent;
      } catch {
        return; // a library's stray print: not ours
      }
      if (event.event === "progress") onProgress?.(event.processed, event.duration);
      if (event.event === "error") lastError = new CaptionsError(asCode(event.code), event.message);
    },
    lastError: () => lastError,
  };
}

/** A failed run that sent no error event: the exit code says what it can, stderr the rest. */
function exitError({ exitCode, exitSignal, stderrTail }: ChildProcessExit) {
  const lastLine = stderrTail.trim().split("\n").at(-1) ?? "";
  const how = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`;
  return new CaptionsError(exitCode !== null ? (EXIT_CODES[exitCode] ?? "failed") : "failed", `transcription ${how}: ${lastLine}`);
}

function asCode(code: string): CaptionsErrorCode {
  return code === "model_missing" || code === "audio_unreadable" || code === "no_audio" ? code : "failed";
}
