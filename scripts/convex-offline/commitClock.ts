/**
 * The backend's logical clock, in nanoseconds since the epoch like Convex's commit
 * timestamps. Every tick is strictly greater than the last, so a mutation's timestamp
 * orders it against every Transition: the client resolves a mutation once it has seen a
 * Transition at or past that timestamp.
 *
 * With a data folder the clock never goes back across restarts, even if the wall clock does:
 * it keeps a reserve ahead of every timestamp it hands out (`reserve` journals it) and a
 * restarted backend starts at the last reserve.
 */
const RESERVE_AHEAD_NS = 10_000_000_000n;

export type CommitClockOptions = {
  /** No timestamp handed out before this one (a previous run's reserve). */
  start?: bigint;
  /** Keeps `until` for the next run; called before the clock comes within half the reserve of it. */
  reserve?: (until: bigint) => void;
};

export class CommitClock {
  private last: bigint;
  private reservedUntil: bigint;

  constructor(private readonly options: CommitClockOptions = {}) {
    this.last = options.start ?? 0n;
    this.reservedUntil = this.last;
  }

  /** A new timestamp, later than every earlier one. */
  tick(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.last = now > this.last ? now : this.last + 1n;
    this.keepReserve();
    return this.last;
  }

  /** Keeps the clock ahead of timestamps a reconnecting client saw from an earlier run. */
  observe(ts: bigint): void {
    if (ts > this.last) this.last = ts;
    this.keepReserve();
  }

  private keepReserve(): void {
    if (!this.options.reserve || this.last + RESERVE_AHEAD_NS / 2n < this.reservedUntil) return;
    this.reservedUntil = this.last + RESERVE_AHEAD_NS;
    this.options.reserve(this.reservedUntil);
  }
}
