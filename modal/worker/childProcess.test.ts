import { spawn } from "node:child_process";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runChildProcess } from "./childProcess";
import { processesRunningIn } from "./testing/runningProcesses";

// The real spawn, watched: an already-aborted run must not call it.
vi.mock("node:child_process", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:child_process")>();
  return { ...actual, spawn: vi.fn(actual.spawn) };
});

/** Node itself is the child: `script` runs with `node -e`. */
const runNode = (script: string, options?: Parameters<typeof runChildProcess>[2]) =>
  runChildProcess(process.execPath, ["-e", script], options);

/** A child that says `ready` on stdout, then waits a minute for something to end it. */
const WAITING_CHILD = `process.stdout.write("ready\\n"); setTimeout(() => {}, 60_000);`;

let folder: string;
beforeEach(async () => {
  // realpath: /proc reports resolved working directories.
  folder = await realpath(await mkdtemp(join(tmpdir(), "reeldrop-child-")));
  vi.mocked(spawn).mockClear();
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("runChildProcess", () => {
  it("hands on stdout line by line, the last line even without a newline", async () => {
    const lines: string[] = [];
    const end = await runNode(
      `process.stdout.write("one\\ntw"); setTimeout(() => process.stdout.write("o\\n\\nthree"), 50);`,
      { onStdoutLine: (line) => lines.push(line) },
    );
    expect(end).toEqual({ kind: "exited", exitCode: 0, exitSignal: null, stderrTail: "" });
    expect(lines).toEqual(["one", "two", "", "three"]);
  });

  it("hands on stdout chunk by chunk", async () => {
    const chunks: string[] = [];
    await runNode(`process.stdout.write("a".repeat(200_000) + "end")`, {
      onStdoutChunk: (chunk) => chunks.push(chunk),
    });
    expect(chunks.join("")).toBe("a".repeat(200_000) + "end");
  });

  it("keeps the last 4000 characters of stderr", async () => {
    const end = await runNode(`process.stderr.write("x".repeat(10_000) + "last words")`);
    expect(end).toMatchObject({ kind: "exited", exitCode: 0 });
    const { stderrTail } = end as { stderrTail: string };
    expect(stderrTail).toHaveLength(4000);
    expect(stderrTail).toMatch(/^x+last words$/);
  });

  it("reports a failing exit code and a killing signal", async () => {
    await expect(runNode(`console.error("it broke"); process.exit(3)`)).resolves.toEqual({
      kind: "exited",
      exitCode: 3,
      exitSignal: null,
      stderrTail: "it broke\n",
    });
    await expect(runNode(`process.kill(process.pid, "SIGTERM")`)).resolves.toMatchObject({
      kind: "exited",
      exitCode: null,
      exitSignal: "SIGTERM",
    });
  });

  it("reports a command that cannot be started", async () => {
    const end = await runChildProcess(join(folder, "no-such-command"), []);
    expect(end).toMatchObject({ kind: "not_started", error: { code: "ENOENT" } });
  });

  it("kills the child once its time limit has passed", async () => {
    const startedAt = performance.now();
    const end = await runNode(WAITING_CHILD, { cwd: folder, timeLimitMs: 200 });
    expect(end).toEqual({ kind: "timed_out" });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(200);
    expect(await processesRunningIn(folder)).toEqual([]);
  });

  it("kills the child on abort and rejects with the abort reason once it has closed", async () => {
    const controller = new AbortController();
    const reason = new Error("job canceled");
    let markRunning = () => {};
    const isRunning = new Promise<void>((resolve) => (markRunning = resolve));
    const running = runNode(WAITING_CHILD, {
      cwd: folder,
      signal: controller.signal,
      onStdoutLine: markRunning,
    });
    await isRunning;
    expect(await processesRunningIn(folder)).toHaveLength(1);

    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(await processesRunningIn(folder)).toEqual([]);
  });

  it("starts nothing when the signal is already aborted", async () => {
    const reason = new Error("already canceled");
    const running = runNode(WAITING_CHILD, { signal: AbortSignal.abort(reason) });
    await expect(running).rejects.toBe(reason);
    expect(spawn).not.toHaveBeenCalled();
  });

  it("gives the child the environment it is passed, and only that", async () => {
    const lines: string[] = [];
    await runNode(`console.log(JSON.stringify(process.env))`, {
      env: { CHILD_PROCESS_TEST: "passed through" },
      onStdoutLine: (line) => lines.push(line),
    });
    expect(JSON.parse(lines[0] ?? "")).toEqual({ CHILD_PROCESS_TEST: "passed through" });
  });
});
