// @vitest-environment node
import { describe, expect, it } from "vitest";
import { nextRunAfter } from "./cronSchedule";

const at = (iso: string) => new Date(iso);

describe("nextRunAfter", () => {
  it.each([
    [{ type: "interval", seconds: 30 }, "2025-03-01T10:00:00.500Z", "2025-03-01T10:00:30.500Z"],
    [{ type: "interval", hours: 2 }, "2025-03-01T10:00:00.000Z", "2025-03-01T12:00:00.000Z"],
    [{ type: "hourly", minuteUTC: 15 }, "2025-03-01T10:15:00.000Z", "2025-03-01T11:15:00.000Z"],
    [{ type: "daily", hourUTC: 3, minuteUTC: 30 }, "2025-03-01T10:00:00.000Z", "2025-03-02T03:30:00.000Z"],
    [{ type: "weekly", dayOfWeek: "monday", hourUTC: 9 }, "2025-03-01T10:00:00.000Z", "2025-03-03T09:00:00.000Z"],
    // February has no 30th: the next run is in March.
    [{ type: "monthly", day: 30, hourUTC: 0 }, "2025-02-01T00:00:00.000Z", "2025-03-30T00:00:00.000Z"],
    [{ type: "cron", cron: "*/5 * * * *" }, "2025-03-01T10:07:10.000Z", "2025-03-01T10:10:00.000Z"],
    [{ type: "cron", cron: "0 12 * * 1-5" }, "2025-03-01T10:00:00.000Z", "2025-03-03T12:00:00.000Z"],
    // Both day fields restricted: either matching is enough (the 1st, or a Sunday).
    [{ type: "cron", cron: "0 0 1 * 0" }, "2025-03-01T10:00:00.000Z", "2025-03-02T00:00:00.000Z"],
  ] as const)("%j after %s is %s", (schedule, after, expected) => {
    expect(nextRunAfter(schedule, at(after)).toISOString()).toBe(expected);
  });

  it("rejects expressions it cannot read", () => {
    expect(() => nextRunAfter({ type: "cron", cron: "0 0 * *" }, new Date())).toThrow(/five fields/);
    expect(() => nextRunAfter({ type: "cron", cron: "0 25 * * *" }, new Date())).toThrow(/out of range/);
    expect(() => nextRunAfter({ type: "cron", cron: "0 0 * JAN *" }, new Date())).toThrow(/Unsupported/);
  });
});
