import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cpuSecondsBetween, snapshotCpu } from "./processCpu";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function startChild(script: string): ChildProcess {
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  children.push(child);
  return child;
}

function busyFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) Math.sqrt(Math.random());
}

describe.runIf(existsSync("/proc/self/stat"))("CPU seconds per process role (/proc)", () => {
  it("counts this process's own CPU under thisProcess", () => {
    const before = snapshotCpu();
    busyFor(300);
    const spent = cpuSecondsBetween(before, snapshotCpu());
    expect(spent.thisProcess).toBeGreaterThanOrEqual(0.1);
    expect(spent.thisProcess).toBeLessThan(5);
  });

  it("counts a busy child's CPU and not an idle child's", async () => {
    const busy = startChild("const end = Date.now() + 5000; while (Date.now() < end) Math.sqrt(Math.random());");
    const idle = startChild("setTimeout(() => {}, 5000);");
    await new Promise((resolve) => setTimeout(resolve, 200)); // both started
    const before = snapshotCpu();
    expect(before.has(busy.pid!)).toBe(true);
    expect(before.has(idle.pid!)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = snapshotCpu();
    const seconds = (pid: number) => after.get(pid)!.seconds - before.get(pid)!.seconds;
    expect(after.get(busy.pid!)!.role).toBe("other");
    expect(seconds(busy.pid!)).toBeGreaterThanOrEqual(0.15);
    expect(seconds(idle.pid!)).toBeLessThan(0.1);
    // The role totals include the busy child.
    expect(cpuSecondsBetween(before, after).other).toBeGreaterThanOrEqual(0.15);
  });
});
