/**
 * The dev stack's child processes. Each runs in its own process group, so stopping it
 * also stops whatever it spawned (npm, npx, Next.js workers); its output is prefixed with
 * its name; the first one to exit on its own is reported through `exited`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type ChildExit = { name: string; code: number | null; signal: NodeJS.Signals | null };

export type ManagedChild = {
  name: string;
  process: ChildProcess;
  /** Resolves with the first output line matching `pattern`; rejects if the child exits or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the child has exited. */
  whenExited: Promise<ChildExit>;
};

const STOP_GRACE_MS = 5_000;

export class ChildProcesses {
  private readonly groups = new Map<string, number>();
  private stopping = false;
  private reportExit: (exit: ChildExit) => void = () => {};
  /** The first child that exits while the stack is running. */
  readonly exited = new Promise<ChildExit>((resolve) => {
    this.reportExit = resolve;
  });

  constructor(private readonly log: (line: string) => void) {}

  start(
    name: string,
    command: string,
    args: string[],
    options: { cwd: string; env: Readonly<Record<string, string | undefined>>; expectExit?: boolean },
  ): ManagedChild {
    // Stopped while starting (Ctrl-C during start-up): a child spawned now would outlive the
    // stack, in its own process group, holding its ports.
    if (this.stopping) throw new Error(`The dev stack is stopping: ${name} is not started`);
    // Next's types make NODE_ENV required on ProcessEnv; a child may well run without it.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid !== undefined) this.groups.set(name, child.pid);
    const lineListeners = new Set<(line: string) => void>();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        this.log(`[${name}] ${line}`);
        for (const listener of lineListeners) listener(line);
      });
    }
    const whenExited = new Promise<ChildExit>((resolve) => {
      child.once("error", (error) => {
        this.log(`[${name}] could not start: ${error.message}`);
        resolve({ name, code: null, signal: null });
      });
      child.once("exit", (code, signal) => resolve({ name, code, signal }));
    });
    void whenExited.then((exit) => {
      // A group id can be reused once the group is empty: forget it, so stopping later
      // cannot signal somebody else's processes.
      if (child.pid !== undefined && !signalGroup(child.pid, 0)) this.groups.delete(name);
      if (!this.stopping && !options.expectExit) this.reportExit(exit);
    });
    return {
      name,
      process: child,
      whenExited,
      waitForLine: (pattern, timeoutMs) =>
        new Promise<string>((resolve, reject) => {
          const listener = (line: string) => {
            if (!pattern.test(line)) return;
            finish();
            resolve(line);
          };
          const timer = setTimeout(() => {
            finish();
            reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms`));
          }, timeoutMs);
          const finish = () => {
            clearTimeout(timer);
            lineListeners.delete(listener);
          };
          lineListeners.add(listener);
          void whenExited.then((exit) => {
            finish();
            reject(new Error(`${name} exited (code ${exit.code ?? exit.signal}) before printing ${pattern}`));
          });
        }),
    };
  }

  /** Stops one child's process group (e.g. a backend that failed to come up). */
  async stop(name: string): Promise<void> {
    const group = this.groups.get(name);
    this.groups.delete(name);
    if (group !== undefined) await stopGroup(group);
  }

  /** SIGTERM to every group, SIGKILL to whatever is left after a grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const groups = [...this.groups.values()];
    this.groups.clear();
    await Promise.all(groups.map(stopGroup));
  }
}

async function stopGroup(group: number): Promise<void> {
  if (!signalGroup(group, "SIGTERM")) return;
  const deadline = Date.now() + STOP_GRACE_MS;
  // The leader may exit before the rest of its group, so wait for the whole group.
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!signalGroup(group, 0)) return;
  }
  signalGroup(group, "SIGKILL");
}

/** Sends `signal` to a process group; false when no process of the group is left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}
