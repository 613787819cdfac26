import { describe, expect, test } from "vitest";
import { positiveSetting, wholeSetting } from "./settingNumbers";

describe("numeric settings", () => {
  test.each([undefined, "", "  ", "0", "-3", "many", "NaN", "Infinity"])("%j falls back to the default", (raw) => {
    expect(positiveSetting(raw, 24)).toBe(24);
    expect(wholeSetting(raw, 3)).toBe(3);
  });

  test("a positive number is taken; a whole-number setting rounds down but never below 1", () => {
    expect(positiveSetting(" 1.5 ", 24)).toBe(1.5);
    expect(wholeSetting("7.9", 3)).toBe(7);
    // Below 1 would mean "no attempts at all" (WORKER_MAX_ATTEMPTS) or "no jobs" (JOBS_PER_USER_PER_HOUR).
    expect(wholeSetting("0.5", 3)).toBe(1);
  });
});
