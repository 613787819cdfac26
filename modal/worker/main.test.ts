// @vitest-environment node
import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { answerJson, startStubWorkerApiServer } from "./testing/stubWorkerApiServer";

/** Runs `npm run worker -- --drain` (as Modal does) against `siteUrl` and resolves with how it ended. */
function runWorker(siteUrl: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "modal/worker/main.ts", "--drain"], {
    env: { ...process.env, CONVEX_SITE_URL: siteUrl, WORKER_SECRET: "secret", ...env },
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
    // A worker API that would answer every claim with "nothing to do": any request reaches it.
    const api = await startStubWorkerApiServer((_request, response) => answerJson(response, { job: null }));
    try {
      const { code, stderr } = await runWorker(api.siteUrl, { FFPROBE_PATH: "/nonexistent/ffprobe" });
      expect(stderr).toMatch(/Could not start \/nonexistent\/ffprobe .*install FFmpeg or set FFMPEG_PATH\/FFPROBE_PATH/);
      expect(code).toBe(2);
      expect(api.received).toEqual([]);
    } finally {
      await api.stop();
    }
  },
  20_000,
);
