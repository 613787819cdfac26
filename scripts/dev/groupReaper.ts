/**
 * Stops the dev stack's children when the stack's own process dies without stopping them
 * (SIGKILL, the OOM killer): Node cannot ask Linux to signal a child when its parent dies, and
 * each child runs in a process group of its own, so nothing else would end them. The reaper is a
 * small detached process joined to the stack by an IPC channel, which closes when the stack's
 * process ends, however it ends; it then removes the files that would claim the stack still runs
 * and stops every group it was told about (SIGTERM, SIGKILL after a grace period).
 *
 * A stack that stops normally stops its groups itself and says so (`forget`) before it exits.
 */
import { fork, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stopProcessGroup } from "./processGroups";

type ReaperMessage = { watch: number } | { forget: number } | { removeOnDeath: string } | { stopped: true };

export type GroupReaper = {
  watch(group: number): void;
  forget(group: number): void;
  /** A file to delete once the stack is found dead (e.g. `stack.json`). */
  removeOnDeath(file: string): void;
  /** Ends the reaper once the stack has stopped everything itself (and removed its files). */
  close(): void;
};

const THIS_FILE = fileURLToPath(import.meta.url);

export function startGroupReaper(): GroupReaper {
  const child: ChildProcess = fork(THIS_FILE, [], {
    cwd: path.resolve(path.dirname(THIS_FILE), "..", ".."),
    execArgv: ["--import", "tsx"],
    detached: true,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  // Neither the reaper nor its channel may keep the stack's process alive.
  child.unref();
  child.channel?.unref();
  const send = (message: ReaperMessage) => {
    if (child.connected) child.send(message);
  };
  return {
    watch: (group) => send({ watch: group }),
    forget: (group) => send({ forget: group }),
    removeOnDeath: (file) => send({ removeOnDeath: file }),
    close: () => {
      send({ stopped: true });
      if (child.connected) child.disconnect();
    },
  };
}

/** The reaper's side: remember groups until the channel closes, then stop whatever is left. */
function runReaper(): void {
  const groups = new Set<number>();
  const files = new Set<string>();
  process.on("message", (message: ReaperMessage) => {
    if ("stopped" in message) process.exit(0);
    else if ("watch" in message) groups.add(message.watch);
    else if ("forget" in message) groups.delete(message.forget);
    else files.add(message.removeOnDeath);
  });
  // Only reached when the stack's process ended without saying it stopped. Its files go first:
  // the stack no longer answers, whatever its children still do while they stop.
  process.once("disconnect", () => {
    for (const file of files) rmSync(file, { force: true });
    void Promise.all([...groups].map((group) => stopProcessGroup(group))).finally(() => process.exit(0));
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) runReaper();
