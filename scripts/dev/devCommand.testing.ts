/** Running `npm run dev` (scripts/dev.ts) as a process in tests, and looking at what it left running. */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { StackEndpoints } from "./devStack";

export type DevCommand = {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
};

/**
 * `node --import tsx scripts/dev.ts <args>` as `npm run dev` starts it, with a fresh HOME and
 * `env` as the shell's settings (the function settings `npm run dev` passes through, say).
 */
export function startDevCommand(args: string[], home: string, env: Readonly<Record<string, string>> = {}): DevCommand {
  const chunks: string[] = [];
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", ...args], {
    env: { ...env, PATH: process.env.PATH, HOME: home, TMPDIR: tmpdir() } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, output: () => chunks.join(""), exited };
}

/** The stack file, once the stack has written it whole; fails with the stack's output. */
export async function waitForStackFile(dev: DevCommand, stateDir: string, timeoutMs = 90_000): Promise<StackEndpoints> {
  let exitCode: number | null | undefined;
  void dev.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(await readFile(path.join(stateDir, "stack.json"), "utf8")) as StackEndpoints;
    } catch {
      // Not there yet, or half written: read it again, unless the stack has given up.
    }
    const problem =
      exitCode !== undefined ? `npm run dev exited (${exitCode}) before writing stack.json` : Date.now() > deadline ? `no stack.json within ${timeoutMs} ms` : null;
    if (problem) throw new Error(`${problem}\n--- npm run dev printed:\n${dev.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every process below `pid`, from `ps`. */
export function descendantsOf(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of rows) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Processes still in any of these process groups. */
export function livingMembersOf(groups: readonly number[]): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,pgid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  return rows.filter(([, pgid]) => groups.includes(pgid)).map(([pid]) => pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** On a failure, nothing may outlive a test: children run in process groups of their own. */
export function killEverything(dev: DevCommand, seen: { pids?: readonly number[]; groups?: readonly number[] }): void {
  const pids = [...(seen.pids ?? []), ...livingMembersOf(seen.groups ?? []), ...descendantsOf(dev.process.pid!), dev.process.pid!];
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
}
