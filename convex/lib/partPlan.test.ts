import { describe, expect, test } from "vitest";
import {
  MAX_PART_SIZE,
  MAX_PARTS,
  MAX_PLANNABLE_BYTES,
  MIN_PART_SIZE,
  MiB,
  PREFERRED_PART_SIZE,
  computePartPlan,
  partRange,
} from "./partPlan";

const GiB = 1024 * MiB;

describe("computePartPlan", () => {
  test.each([
    ["1 byte", 1, 8 * MiB, 1],
    ["5 MiB - 1", 5 * MiB - 1, 8 * MiB, 1],
    ["exactly one part", 8 * MiB, 8 * MiB, 1],
    ["one part and a byte", 8 * MiB + 1, 8 * MiB, 2],
    ["exactly two parts", 16 * MiB, 8 * MiB, 2],
    ["20 GiB (the default limit)", 20 * GiB, 8 * MiB, 2_560],
    ["exactly 10,000 parts of 8 MiB", 10_000 * 8 * MiB, 8 * MiB, 10_000],
    ["one byte past 10,000 parts of 8 MiB", 10_000 * 8 * MiB + 1, 9 * MiB, 8_889],
    ["100 GiB", 100 * GiB, 11 * MiB, 9_310],
    ["1 TiB", 1024 * GiB, 105 * MiB, 9_987],
    ["the largest plannable file", MAX_PLANNABLE_BYTES, MAX_PART_SIZE, MAX_PARTS],
  ])("%s", (_label, fileSize, partSize, partCount) => {
    expect(computePartPlan(fileSize)).toEqual({ partSize, partCount });
  });

  test.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_PLANNABLE_BYTES + 1])(
    "refuses %s bytes",
    (fileSize) => {
      expect(() => computePartPlan(fileSize)).toThrow(RangeError);
    },
  );

  test("every plan obeys R2's rules and covers the file exactly", () => {
    const sizes = [1, 1000, MIN_PART_SIZE, PREFERRED_PART_SIZE - 1, 3 * PREFERRED_PART_SIZE + 17, 7 * GiB + 3];
    for (let k = 1; k <= 40; k++) sizes.push(Math.floor((MAX_PLANNABLE_BYTES / 40) * k) - k);
    for (const fileSize of sizes) {
      const plan = computePartPlan(fileSize);
      expect(Number.isInteger(plan.partSize)).toBe(true);
      expect(plan.partSize % MiB).toBe(0);
      expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      expect(plan.partSize).toBeLessThanOrEqual(MAX_PART_SIZE);
      expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
      const last = partRange(plan, fileSize, plan.partCount);
      expect(last.end).toBe(fileSize);
      expect(last.size).toBeGreaterThan(0);
      expect(last.size).toBeLessThanOrEqual(plan.partSize);
      if (plan.partCount > 1) expect(partRange(plan, fileSize, plan.partCount - 1).size).toBe(plan.partSize);
    }
  });
});

describe("partRange", () => {
  const fileSize = 2 * PREFERRED_PART_SIZE + 5;
  const plan = computePartPlan(fileSize);

  test("parts are contiguous, uniform, and the last holds the remainder", () => {
    expect(plan.partCount).toBe(3);
    expect([1, 2, 3].map((n) => partRange(plan, fileSize, n))).toEqual([
      { start: 0, end: 8 * MiB, size: 8 * MiB },
      { start: 8 * MiB, end: 16 * MiB, size: 8 * MiB },
      { start: 16 * MiB, end: fileSize, size: 5 },
    ]);
  });

  test("a file that is an exact multiple of the part size ends with a full part", () => {
    const exact = 3 * PREFERRED_PART_SIZE;
    expect(partRange(computePartPlan(exact), exact, 3)).toEqual({ start: 16 * MiB, end: 24 * MiB, size: 8 * MiB });
  });

  test("a single-part file is one part of the file's size", () => {
    expect(partRange(computePartPlan(1), 1, 1)).toEqual({ start: 0, end: 1, size: 1 });
  });

  test.each([0, 4, -1, 1.5])("refuses part %s", (partNumber) => {
    expect(() => partRange(plan, fileSize, partNumber)).toThrow(RangeError);
  });
});
