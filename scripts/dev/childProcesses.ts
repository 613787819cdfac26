/**
 * The dev stack's child processes. Each runs in its own process group, so stopping it
 * also stops whatever it spawned (npm, npx, Next.js workers); its output is prefixed with
 * its name; the first one to exit on its own is reported through `exited`. A reaper process
 * (`groupReaper.ts`) stops the groups should the stack's own process die without stopping them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { startGroupReaper, type GroupReaper } from "./groupReaper";
import { signalProcessGroup, stopProcessGroup } from "./processGroups";

export type ChildExit = { name: string; code: number | null; signal: NodeJS.Signals | null };

export type ManagedChild = {
  name: string;
  process: ChildProcess;
  /** Resolves with the first output line matching `pattern`; rejects if the child exits or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the child has exited. */
  whenExited: Promise<ChildExit>;
};

export class ChildProcesses {
  private readonly groups = new Map<string, number>();
  private stopping = false;
  private reaper: GroupReaper | undefined;
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
    if (child.pid !== undefined) {
      this.groups.set(name, child.pid);
      (this.reaper ??= startGroupReaper()).watch(child.pid);
    }
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
      if (child.pid !== undefined && !signalProcessGroup(child.pid, 0)) this.forget(name, child.pid);
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

  /** The process group of each running child, by name. */
  processGroups(): Record<string, number> {
    return Object.fromEntries(this.groups);
  }

  /** A file the reaper deletes should the stack's process die without stopping (`stack.json`). */
  removeIfKilled(file: string): void {
    (this.reaper ??= startGroupReaper()).removeOnDeath(file);
  }

  /** Stops one child's process group (e.g. a backend that failed to come up). */
  async stop(name: string): Promise<void> {
    const group = this.groups.get(name);
    if (group === undefined) return;
    await stopProcessGroup(group);
    this.forget(name, group);
  }

  /** SIGTERM to every group, SIGKILL to whatever is left after a grace period; then the reaper goes. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.groups.keys()].map((name) => this.stop(name)));
    this.reaper?.close();
  }

  private forget(name: string, group: number): void {
    this.groups.delete(name);
    this.reaper?.forget(group);
  }
}
