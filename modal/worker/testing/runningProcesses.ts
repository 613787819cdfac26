/**
 * Finds processes by working directory (Linux /proc). The pipeline runs every ffmpeg with
 * the job's `workDir` as its working directory, so this shows whether any outlived an abort.
 */
import { readdir, readFile, readlink } from "node:fs/promises";

export async function processesRunningIn(folder: string): Promise<number[]> {
  const pids = (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry));
  const cwds = await Promise.all(
    pids.map((pid) => readlink(`/proc/${pid}/cwd`).catch(() => undefined)),
  );
  return pids.filter((_, index) => cwds[index] === folder).map(Number);
}

/** The ffmpeg and ffprobe processes among those running in `folder`. */
export async function ffmpegProcessesIn(folder: string): Promise<number[]> {
  const pids = await processesRunningIn(folder);
  const names = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")));
  return pids.filter((_, index) => /^ff(mpeg|probe)/.test(names[index]!.trim()));
}
