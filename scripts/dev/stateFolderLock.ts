/**
 * One dev stack per state folder: a second `npm run dev` on the same folder would share its
 * stored objects, keys and (once durable) the backend's data, and corrupt them. The lock is a
 * process claim (`processClaims.ts`), so a stack that was killed leaves no stale lock behind.
 */
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { claim, type Claim } from "./processClaims";

export class StateFolderInUseError extends Error {
  constructor(stateDir: string, ownerPid: number | null) {
    super(
      `Another dev stack${ownerPid ? ` (pid ${ownerPid})` : ""} is using ${stateDir}. ` +
        "Stop it first, or start this one with --state-dir <another folder>.",
    );
    this.name = "StateFolderInUseError";
  }
}

export async function lockStateFolder(stateDir: string): Promise<Claim> {
  mkdirSync(stateDir, { recursive: true });
  const pidFile = path.join(stateDir, "stack.pid");
  const held = await claim(`state-folder:${realpathSync(stateDir)}`);
  if (!held) throw new StateFolderInUseError(stateDir, ownerPid(pidFile));
  // For the message a second stack prints; the claim itself is what locks.
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    release() {
      rmSync(pidFile, { force: true });
      held.release();
    },
  };
}

function ownerPid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
