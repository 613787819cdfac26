/**
 * The backend's logical clock, in nanoseconds since the epoch like Convex's commit
 * timestamps. Every tick is strictly greater than the last, so a mutation's timestamp
 * orders it against every Transition: the client resolves a mutation once it has seen a
 * Transition at or past that timestamp.
 */
export class CommitClock {
  private last = 0n;

  /** A new timestamp, later than every earlier one. */
  tick(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
  }

  /** Keeps the clock ahead of timestamps a reconnecting client saw from an earlier run. */
  observe(ts: bigint): void {
    if (ts > this.last) this.last = ts;
  }
}
