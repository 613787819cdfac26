/**
 * CPU seconds spent by this process and everything it started, grouped by role, read from
 * Linux's /proc (user + system time of each process, all its threads included). A benchmark
 * takes a snapshot before and after a run; the difference says where the machine's CPU went:
 * Chromium's renderer (page and Web Workers), its network service, its browser process, the
 * Convex backend, and this process (the embedded S3 server and the benchmark's driver).
 * Processes that exit between two snapshots are not counted. Elsewhere than Linux: empty.
 */
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

export type CpuRole = "renderer" | "network" | "browser" | "otherChromium" | "convex" | "thisProcess" | "other";
export type CpuSnapshot = Map<number, { role: CpuRole; seconds: number }>;

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

type ProcStat = { pid: number; parentPid: number; seconds: number };

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After the name: state(3) ppid(4) … utime(14) stime(15), so indexes 1, 11 and 12 here.
    return { pid, parentPid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return null; // exited meanwhile, or not Linux
  }
}

function roleOf(pid: number): CpuRole {
  if (pid === process.pid) return "thisProcess";
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "other";
  }
  if (/chrom/i.test(commandLine.split(" ")[0] ?? "")) {
    if (commandLine.includes("--type=renderer")) return "renderer";
    if (commandLine.includes("--utility-sub-type=network.mojom.NetworkService")) return "network";
    if (!commandLine.includes("--type=")) return "browser";
    return "otherChromium";
  }
  if (/convex/i.test(commandLine)) return "convex";
  return "other";
}

/** CPU seconds so far of this process and all its descendants. */
export function snapshotCpu(): CpuSnapshot {
  let pids: number[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return new Map();
  }
  const stats = pids.map(readStat).filter((stat): stat is ProcStat => stat !== null);
  const children = new Map<number, number[]>();
  for (const stat of stats) children.set(stat.parentPid, [...(children.get(stat.parentPid) ?? []), stat.pid]);
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  const snapshot: CpuSnapshot = new Map();
  const pending = [process.pid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    const stat = byPid.get(pid);
    if (stat) snapshot.set(pid, { role: roleOf(pid), seconds: stat.seconds });
    pending.push(...(children.get(pid) ?? []));
  }
  return snapshot;
}

/** CPU seconds per role between two snapshots (processes present in both, or started in between). */
export function cpuSecondsBetween(before: CpuSnapshot, after: CpuSnapshot): Partial<Record<CpuRole, number>> {
  const totals: Partial<Record<CpuRole, number>> = {};
  for (const [pid, { role, seconds }] of after) {
    const spent = seconds - (before.get(pid)?.seconds ?? 0);
    totals[role] = (totals[role] ?? 0) + spent;
  }
  return totals;
}
