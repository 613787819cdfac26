/**
 * The worker's one logger: one JSON line per event on stderr. Callers pass facts, never
 * URLs or secrets (presigned URLs carry signatures), so nothing sensitive reaches a log.
 */
export type WorkerLog = {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
};

export function createWorkerLog(workerId: string, write: (line: string) => void = (l) => process.stderr.write(l)): WorkerLog {
  const emit = (level: string) => (event: string, fields: Record<string, unknown> = {}) =>
    write(`${JSON.stringify({ at: new Date().toISOString(), level, workerId, event, ...fields })}\n`);
  return { info: emit("info"), warn: emit("warn") };
}

/** What a log line says of the work a claim is for: its job, or its task (and the task's job). */
export function claimedWorkFields(claim: { jobId: string } | { taskId: string }): Record<string, string> {
  return "taskId" in claim ? { taskId: claim.taskId } : { jobId: claim.jobId };
}
