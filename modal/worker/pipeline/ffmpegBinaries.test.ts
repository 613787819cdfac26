// @vitest-environment node
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { processesRunningIn } from "../testing/runningProcesses";
import {
  checkFfmpegBinaries,
  FfmpegProcessError,
  FfmpegTimeLimitError,
  FfmpegUnavailableError,
  resolveFfmpegBinaries,
  runFfmpeg,
  runFfprobe,
} from "./ffmpegBinaries";

// Real ffmpeg runs: generous limits for a busy two-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let folder: string;
beforeEach(async () => {
  // realpath: /proc reports resolved working directories.
  folder = await realpath(await mkdtemp(join(tmpdir(), "reeldrop-ffmpeg-")));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(folder, { recursive: true, force: true });
});

describe("resolveFfmpegBinaries", () => {
  it("prefers FFMPEG_PATH/FFPROBE_PATH and falls back to names looked up on the PATH", () => {
    expect(resolveFfmpegBinaries({})).toEqual({ ffmpeg: "ffmpeg", ffprobe: "ffprobe" });
    expect(
      resolveFfmpegBinaries({ FFMPEG_PATH: "/opt/ff/ffmpeg", FFPROBE_PATH: "/opt/ff/ffprobe" }),
    ).toEqual({ ffmpeg: "/opt/ff/ffmpeg", ffprobe: "/opt/ff/ffprobe" });
  });

  it("explains a binary that cannot be started", async () => {
    vi.stubEnv("FFMPEG_PATH", join(folder, "no-such-ffmpeg"));
    await expect(runFfmpeg(["-version"])).rejects.toThrow(/Could not start .*FFMPEG_PATH/);
  });
});

describe("checkFfmpegBinaries", () => {
  it("passes when ffmpeg and ffprobe both start", async () => {
    await expect(checkFfmpegBinaries()).resolves.toBeUndefined();
  });

  it.each(["FFMPEG_PATH", "FFPROBE_PATH"])(
    "says to install FFmpeg when %s names nothing",
    async (variable) => {
      vi.stubEnv(variable, join(folder, "missing-binary"));
      const failure = await checkFfmpegBinaries().catch((error) => error);
      expect(failure).toBeInstanceOf(FfmpegUnavailableError);
      expect(failure.message).toMatch(/missing-binary .*ENOENT.*install FFmpeg or set FFMPEG_PATH\/FFPROBE_PATH/);
    },
  );
});

describe("runFfmpeg", () => {
  it("reports growing progress up to 100 percent", async () => {
    const reported: number[] = [];
    await runFfmpeg(
      ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2", "-f", "null", "-"],
      { progress: { durationSec: 2, onProgress: (pct) => reported.push(pct) } },
    );
    expect(reported.at(-1)).toBe(100);
    expect(reported).toEqual([...reported].sort((a, b) => a - b));
  });

  it("rejects with the exit code and the end of stderr", async () => {
    const failure = runFfmpeg(["-i", join(folder, "missing.mp4"), "-f", "null", "-"]);
    await expect(failure).rejects.toBeInstanceOf(FfmpegProcessError);
    await expect(failure).rejects.toMatchObject({
      exitCode: 1,
      stderrTail: expect.stringContaining("No such file or directory"),
    });
  });

  it("kills ffmpeg on abort and rejects with the abort reason once it has exited", async () => {
    const controller = new AbortController();
    const reason = new Error("job canceled");
    let markRunning = () => {};
    const isRunning = new Promise<void>((resolve) => (markRunning = resolve));
    // An endless source: only the abort can end this run.
    const running = runFfmpeg(
      ["-re", "-f", "lavfi", "-i", "testsrc2=size=160x90", "-f", "null", "-"],
      {
        signal: controller.signal,
        cwd: folder,
        progress: { durationSec: 3600, onProgress: markRunning },
      },
    );
    await isRunning;
    expect(await processesRunningIn(folder)).toHaveLength(1);

    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(await processesRunningIn(folder)).toEqual([]);
  });

  it(
    "kills ffmpeg once its time limit has passed and rejects once it has exited",
    async () => {
      const startedAt = performance.now();
      // An endless, real-time source: only the limit can end this run.
      const running = runFfmpeg(
        ["-re", "-f", "lavfi", "-i", "testsrc2=size=160x90", "-f", "null", "-"],
        { cwd: folder, timeLimitMs: 1_000 },
      );
      await expect(running).rejects.toBeInstanceOf(FfmpegTimeLimitError);
      await expect(running).rejects.toThrow(/still running after 1 s/);
      // Not before the limit; the test's timeout bounds how long after it.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1_000);
      expect(await processesRunningIn(folder)).toEqual([]);
    },
    10_000,
  );

  it("does not start when the signal is already aborted", async () => {
    const reason = new Error("already canceled");
    await expect(
      runFfmpeg(["-f", "lavfi", "-i", "testsrc2", "-f", "null", "-"], {
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
  });
});

describe("runFfprobe", () => {
  it("resolves with stdout", async () => {
    const json = await runFfprobe([
      ...["-print_format", "json", "-show_format"],
      ...["-f", "lavfi", "sine=duration=1"],
    ]);
    expect(JSON.parse(json)).toMatchObject({ format: { format_name: "lavfi" } });
  });
});
