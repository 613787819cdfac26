import { describe, expect, it } from "vitest";
import {
  clampPercent,
  overallProcessingPercent,
  PROCESSING_STEP_COUNT,
  processingStageLabel,
  processingStep,
} from "./processingStages";

describe("processingStageLabel", () => {
  it("names the worker's stages", () => {
    expect(processingStageLabel("download")).toBe("Fetching and checking your upload");
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

describe("overallProcessingPercent", () => {
  const WORKER_STAGES = ["claimed", "download", "probe", "stills", "scan", "clips", "upload"];

  it("fills once across the worker's stages: never back to 0 when a stage starts, 100 only at the end", () => {
    const readings = WORKER_STAGES.flatMap((stage) => [0, 50, 100].map((pct) => overallProcessingPercent(stage, pct)!));
    expect(readings[0]).toBe(0);
    expect(readings.at(-1)).toBe(100);
    for (let i = 1; i < readings.length; i++) expect(readings[i]).toBeGreaterThanOrEqual(readings[i - 1]!);
    // A stage's 100 % is the next stage's 0 %.
    for (let i = 1; i < WORKER_STAGES.length; i++) {
      expect(overallProcessingPercent(WORKER_STAGES[i]!, 0)).toBe(overallProcessingPercent(WORKER_STAGES[i - 1]!, 100));
    }
    expect(overallProcessingPercent("scan", 50)).toBe(55);
  });

  it("clamps what the worker sent, and knows nothing of a stage it does not name", () => {
    expect(overallProcessingPercent("download", 250)).toBe(overallProcessingPercent("probe", 0));
    expect(overallProcessingPercent("download", Number.NaN)).toBe(0);
    expect(overallProcessingPercent("color_grade", 40)).toBeNull();
  });

  it("counts the steps a person sees: all but the claim", () => {
    expect(PROCESSING_STEP_COUNT).toBe(6);
    expect(processingStep("claimed")).toBeNull();
    expect(processingStep("download")).toEqual({ step: 1, of: 6 });
    expect(processingStep("upload")).toEqual({ step: 6, of: 6 });
    expect(processingStep("color_grade")).toBeNull();
  });
});
