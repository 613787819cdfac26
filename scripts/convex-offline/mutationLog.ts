/**
 * Remembers each session's mutations so a request the client re-sends after reconnecting
 * (it re-sends every mutation it has not seen reflected yet) is answered with the first
 * result instead of running twice. Bounded: the least recently active sessions and each
 * session's oldest requests are forgotten first.
 */
import type { CommitClock } from "./commitClock";
import type { FunctionOutcome } from "./executor";

export type MutationResult = { outcome: FunctionOutcome; ts: bigint | null };

const MAX_SESSIONS = 1_000;
const MAX_REQUESTS_PER_SESSION = 1_000;

export class MutationLog {
  private readonly sessions = new Map<string, Map<number, Promise<MutationResult>>>();

  constructor(private readonly clock: CommitClock) {}

  /** Runs the mutation once per (session, request); a repeat gets the same (possibly pending) result. */
  execute(sessionId: string, requestId: number, run: () => Promise<FunctionOutcome>): Promise<MutationResult> {
    const requests = this.touchSession(sessionId);
    const known = requests.get(requestId);
    if (known) return known;
    const result = run().then((outcome) => ({
      outcome,
      // Stamped after the commit, so every Transition at or past it reflects the write.
      ts: outcome.success ? this.clock.tick() : null,
    }));
    requests.set(requestId, result);
    if (requests.size > MAX_REQUESTS_PER_SESSION) requests.delete(requests.keys().next().value as number);
    return result;
  }

  private touchSession(sessionId: string): Map<number, Promise<MutationResult>> {
    const requests = this.sessions.get(sessionId) ?? new Map<number, Promise<MutationResult>>();
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, requests);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return requests;
  }
}
