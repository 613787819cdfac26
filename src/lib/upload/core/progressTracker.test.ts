import { describe, expect, it } from "vitest";
import { ProgressTracker } from "./progressTracker";

function trackerWithClock(total = 1000, confirmed = 0, smoothingMs = 1000) {
  let now = 0;
  const tracker = new ProgressTracker(total, confirmed, () => now, smoothingMs);
  return { tracker, advance: (ms: number) => (now += ms) };
}

describe("ProgressTracker", () => {
  it("starts from the bytes already confirmed (resume)", () => {
    const { tracker } = trackerWithClock(1000, 300);
    expect(tracker.figures(true)).toMatchObject({ bytesConfirmed: 300, bytesInFlight: 0, bytesUploaded: 300, percent: 30 });
  });

  it("keeps a retried part at its high-water mark, so the total never drops", () => {
    const { tracker } = trackerWithClock();
    expect(tracker.recordSent(1, 80, 100)).toBe(true);
    expect(tracker.recordSent(1, 10, 100)).toBe(false); // the retry starts again from zero
    expect(tracker.figures(true).bytesUploaded).toBe(80);
    expect(tracker.recordSent(1, 90, 100)).toBe(true);
    expect(tracker.figures(true).bytesUploaded).toBe(90);
  });

  it("clamps progress to the part's size", () => {
    const { tracker } = trackerWithClock();
    tracker.recordSent(1, 5000, 100);
    expect(tracker.figures(true).bytesInFlight).toBe(100);
  });

  it("moves a confirmed part from in flight to confirmed without changing the total", () => {
    const { tracker } = trackerWithClock();
    tracker.recordSent(1, 100, 100);
    tracker.recordSent(2, 40, 100);
    tracker.confirm(1, 100);
    expect(tracker.figures(true)).toMatchObject({ bytesConfirmed: 100, bytesInFlight: 40, bytesUploaded: 140, percent: 14 });
  });

  it("counts a part's full size on confirm even when its last progress event never came", () => {
    const { tracker } = trackerWithClock();
    tracker.recordSent(1, 60, 100);
    tracker.confirm(1, 100);
    expect(tracker.figures(true).bytesUploaded).toBe(100);
  });

  it("smooths speed over time and derives the ETA from it", () => {
    const { tracker, advance } = trackerWithClock(100_000, 0, 1000);
    tracker.recordSent(1, 1, 100_000); // the first event only starts the clock
    for (let i = 1; i <= 20; i++) {
      advance(500);
      tracker.recordSent(1, i * 1000, 100_000); // a steady 2000 B/s
    }
    const figures = tracker.figures(true);
    expect(figures.bytesPerSecond).toBeCloseTo(2000, 0);
    expect(figures.etaSeconds).toBeCloseTo((100_000 - 20_000) / 2000, 1);
  });

  it("lets one burst move the speed only part of the way", () => {
    const { tracker, advance } = trackerWithClock(1_000_000, 0, 5000);
    tracker.recordSent(1, 1, 1_000_000);
    advance(1000);
    tracker.recordSent(1, 1001, 1_000_000); // 1000 B/s
    advance(1000);
    tracker.recordSent(1, 11_001, 1_000_000); // a 10 000 B/s burst
    const speed = tracker.figures(true).bytesPerSecond;
    expect(speed).toBeGreaterThan(1000);
    expect(speed).toBeLessThan(4000);
  });

  it("merges progress events closer than 200 ms", () => {
    const { tracker, advance } = trackerWithClock(1_000_000);
    tracker.recordSent(1, 1, 1_000_000);
    advance(50);
    tracker.recordSent(1, 50_000, 1_000_000);
    expect(tracker.figures(true).bytesPerSecond).toBe(0);
  });

  it("reads zero speed and no ETA while not measuring (paused or offline)", () => {
    const { tracker, advance } = trackerWithClock();
    tracker.recordSent(1, 1, 1000);
    advance(1000);
    tracker.recordSent(1, 500, 1000);
    expect(tracker.figures(false)).toMatchObject({ bytesPerSecond: 0, etaSeconds: null });
    expect(tracker.figures(true).bytesPerSecond).toBeGreaterThan(0);
  });

  it("decays the speed while no byte moves, and the ETA grows with it", () => {
    const { tracker, advance } = trackerWithClock(1_000_000, 0, 5000);
    tracker.recordSent(1, 1, 1_000_000);
    for (let i = 1; i <= 10; i++) {
      advance(1000);
      tracker.recordSent(1, 1 + i * 10_000, 1_000_000); // a steady 10 000 B/s
    }
    const moving = tracker.figures(true);
    expect(moving.bytesPerSecond).toBeGreaterThan(8000);
    advance(5000); // the connection hangs
    const stalled = tracker.figures(true);
    expect(stalled.bytesPerSecond).toBeLessThan(moving.bytesPerSecond * 0.4);
    expect(stalled.etaSeconds!).toBeGreaterThan(moving.etaSeconds! * 2.5);
    advance(60_000);
    expect(tracker.figures(true).bytesPerSecond).toBeLessThan(1);
    // Reading it recorded nothing: the next event averages in the whole quiet spell once.
    tracker.recordSent(1, 200_001, 1_000_000);
    expect(tracker.figures(true).bytesPerSecond).toBeLessThan(moving.bytesPerSecond);
  });

  it("does not average a pause in as zero speed after restartSpeedClock", () => {
    const { tracker, advance } = trackerWithClock(1_000_000, 0, 1000);
    tracker.recordSent(1, 1, 1_000_000);
    advance(1000);
    tracker.recordSent(1, 1001, 1_000_000);
    tracker.restartSpeedClock();
    advance(60_000); // paused for a minute
    tracker.recordSent(1, 1100, 1_000_000);
    advance(1000);
    tracker.recordSent(1, 2100, 1_000_000);
    expect(tracker.figures(true).bytesPerSecond).toBeCloseTo(1000, 5);
  });
});
