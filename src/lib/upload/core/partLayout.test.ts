import { describe, expect, it } from "vitest";
import { describePlanProblem, partByteRange } from "./partLayout";

describe("partByteRange", () => {
  it("covers [(n - 1) * partSize, min(n * partSize, size))", () => {
    expect(partByteRange(1, 100, 250)).toEqual({ start: 0, end: 100 });
    expect(partByteRange(2, 100, 250)).toEqual({ start: 100, end: 200 });
    expect(partByteRange(3, 100, 250)).toEqual({ start: 200, end: 250 });
    expect(partByteRange(3, 100, 300)).toEqual({ start: 200, end: 300 });
  });

  it("stays exact for files past 4 GiB", () => {
    const partSize = 512 * 1024 * 1024;
    expect(partByteRange(11, partSize, 5 * 1024 ** 3 + 7)).toEqual({ start: 5 * 1024 ** 3, end: 5 * 1024 ** 3 + 7 });
  });
});

describe("describePlanProblem", () => {
  it("accepts a plan that covers the file", () => {
    expect(describePlanProblem({ partSize: 100, partCount: 3 }, 250)).toBeNull();
    expect(describePlanProblem({ partSize: 100, partCount: 1 }, 0)).toBeNull();
  });

  it.each([
    [{ partSize: 0, partCount: 1 }, 10],
    [{ partSize: 10.5, partCount: 1 }, 10],
    [{ partSize: 100, partCount: 2 }, 250],
    [{ partSize: 100, partCount: 4 }, 250],
    [{ partSize: 1, partCount: 10_001 }, 10_001],
  ])("refuses %j for %i bytes", (plan, size) => {
    expect(describePlanProblem(plan, size)).toEqual(expect.any(String));
  });
});
