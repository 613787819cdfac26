import { afterEach, describe, expect, it, vi } from "vitest";
import { CommitClock } from "./commitClock";

afterEach(() => {
  vi.useRealTimers();
});

describe("CommitClock", () => {
  it("never goes back across a restart, even when the wall clock does", () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-06-01T12:00:00Z") });
    const reserves: bigint[] = [];
    const first = new CommitClock({ reserve: (until) => reserves.push(until) });
    const handedOut = [first.tick(), first.tick()];
    expect(reserves.at(-1)! > handedOut[1]!).toBe(true);

    vi.setSystemTime(new Date("2026-06-01T11:59:00Z"));
    const restarted = new CommitClock({ start: reserves.at(-1)! });
    expect(restarted.tick() > handedOut[1]!).toBe(true);
  });

  it("renews its reserve before the clock reaches it", () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-06-01T12:00:00Z") });
    const reserves: bigint[] = [];
    const clock = new CommitClock({ reserve: (until) => reserves.push(until) });
    for (let second = 0; second < 30; second++) {
      const ts = clock.tick();
      expect(reserves.at(-1)! - ts).toBeGreaterThanOrEqual(5_000_000_000n);
      vi.advanceTimersByTime(1_000);
    }
    // Kept every 5 s, not on every tick.
    expect(reserves.length).toBeLessThanOrEqual(7);
  });
});
