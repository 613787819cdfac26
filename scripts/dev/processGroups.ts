/** Signalling a process group: a child of the dev stack and everything it spawned. */

const STOP_GRACE_MS = 5_000;

/** SIGTERM to the group, SIGKILL to whatever of it is left after a grace period. */
export async function stopProcessGroup(group: number): Promise<void> {
  if (!signalProcessGroup(group, "SIGTERM")) return;
  const deadline = Date.now() + STOP_GRACE_MS;
  // The leader may exit before the rest of its group, so wait for the whole group.
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!signalProcessGroup(group, 0)) return;
  }
  signalProcessGroup(group, "SIGKILL");
}

/** Sends `signal` to a process group; false when no process of the group is left. */
export function signalProcessGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}
