// @vitest-environment node
import { spawn } from "node:child_process";
import { expect, it } from "vitest";

/** Runs `npm run worker -- --drain` (as Modal does) and resolves with how it ended. */
function runWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "modal/worker/main.ts", "--drain"], {
    // Port 9 (discard) answers nothing: a worker that got as far as claiming would fail later
    // and differently, after its request retries.
    env: { ...process.env, CONVEX_SITE_URL: "http://127.0.0.1:9", WORKER_SECRET: "secret", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // Bounded: a worker that does not exit soon is killed, and the test fails on its exit.
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

it(
  "exits at start-up, before claiming anything, when ffprobe is missing, saying to install FFmpeg",
  async () => {
    const { code, stderr } = await runWorker({ FFPROBE_PATH: "/nonexistent/ffprobe" });
    expect(stderr).toMatch(/Could not start \/nonexistent\/ffprobe .*install FFmpeg or set FFMPEG_PATH\/FFPROBE_PATH/);
    expect(stderr).not.toContain('"event":"job claimed"');
    expect(code).toBe(2);
  },
  20_000,
);
