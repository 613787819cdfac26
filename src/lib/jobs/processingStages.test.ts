import { describe, expect, it } from "vitest";
import { clampPercent, processingStageLabel } from "./processingStages";

describe("processingStageLabel", () => {
  it("names the worker's stages", () => {
    expect(processingStageLabel("download")).toBe("Fetching your upload");
    expect(processingStageLabel("clips")).toBe("Cutting highlight clips");
  });

  it("reads an unknown stage as itself", () => {
    expect(processingStageLabel("color_grade")).toBe("Color grade");
    expect(processingStageLabel("toString")).toBe("ToString");
    expect(processingStageLabel("")).toBe("Working");
  });
});

describe("clampPercent", () => {
  it.each([
    [-5, 0],
    [0, 0],
    [42.4, 42],
    [99.6, 100],
    [140, 100],
    [Number.NaN, 0],
  ])("%d → %d", (pct, expected) => {
    expect(clampPercent(pct)).toBe(expected);
  });
});
