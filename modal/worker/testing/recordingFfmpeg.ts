/**
 * An ffmpeg stand-in that writes down each command line and then runs the real ffmpeg, so a
 * test can check how the pipeline runs it (how many inputs, which bounds) on real files. Set
 * `FFMPEG_PATH` to `path` for the runs to record.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveFfmpegBinaries } from "../pipeline/ffmpegBinaries";

export type RecordingFfmpeg = {
  /** The stand-in's path. */
  path: string;
  /** The argument lists of every run so far (order not kept). */
  runs(): Promise<string[][]>;
  dispose(): Promise<void>;
};

export async function createRecordingFfmpeg(): Promise<RecordingFfmpeg> {
  const folder = await mkdtemp(join(tmpdir(), "reeldrop-recording-ffmpeg-"));
  const logs = join(folder, "runs");
  const path = join(folder, "ffmpeg");
  const real = resolveFfmpegBinaries().ffmpeg;
  // NUL-separated arguments, one file per process; `exec` keeps the pid, so aborts still reach it.
  await writeFile(
    path,
    [
      "#!/bin/sh",
      `mkdir -p '${logs}'`,
      `for arg in "$@"; do printf '%s\\0' "$arg"; done > '${logs}'/run-$$`,
      `exec '${real}' "$@"`,
      "",
    ].join("\n"),
  );
  await chmod(path, 0o755);
  return {
    path,
    async runs() {
      const files = await readdir(logs).catch(() => []);
      return Promise.all(
        files.map(async (file) =>
          (await readFile(join(logs, file), "utf8")).split("\0").slice(0, -1),
        ),
      );
    },
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
}
