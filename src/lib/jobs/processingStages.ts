/**
 * Names for the worker's processing stages (`job.progress.stage`, `PROCESSING_STAGES`). A
 * stage a newer worker adds reads as itself until named here.
 */
import { PROCESSING_STAGES, type ProcessingStage } from "../../../convex/lib/workerProtocol";

const STAGE_LABELS: Readonly<Record<ProcessingStage, string>> = {
  claimed: "Starting",
  download: "Fetching and checking your upload",
  probe: "Reading the video",
  stills: "Making the poster and thumbnails",
  scan: "Making the storyboard, preview and audio",
  clips: "Cutting highlight clips",
  upload: "Saving the results",
};

/**
 * Each stage's share of a typical run, in the order the worker runs them: the full decode
 * (`scan`) dominates; fetching the file (checked as it arrives) grows with its size. Shares are estimates
 * for the bar only, so that it fills once instead of restarting at every stage.
 */
const STAGE_SHARES: Readonly<Record<ProcessingStage, number>> = {
  claimed: 0,
  download: 23,
  probe: 2,
  stills: 10,
  scan: 40,
  clips: 15,
  upload: 10,
};

/** The worker's stages a person counts ("step 2 of 6"): all but the claim itself. */
export const PROCESSING_STEP_COUNT = PROCESSING_STAGES.length - 1;

function stageIndex(stage: string): number {
  return (PROCESSING_STAGES as readonly string[]).indexOf(stage);
}

/**
 * How far the whole run is, 0–100, from the current stage and its own percentage; null for a
 * stage not named here (a newer worker's), whose place in the run is unknown.
 */
export function overallProcessingPercent(stage: string, stagePct: number): number | null {
  const index = stageIndex(stage);
  if (index === -1) return null;
  const before = PROCESSING_STAGES.slice(0, index).reduce((sum, name) => sum + STAGE_SHARES[name], 0);
  return clampPercent(before + (STAGE_SHARES[PROCESSING_STAGES[index]!] * clampPercent(stagePct)) / 100);
}

/** "step 2 of 6" for a known stage after the claim, else null. */
export function processingStep(stage: string): { step: number; of: number } | null {
  const index = stageIndex(stage);
  return index < 1 ? null : { step: index, of: PROCESSING_STEP_COUNT };
}

export function processingStageLabel(stage: string): string {
  if (stageIndex(stage) !== -1) return STAGE_LABELS[stage as ProcessingStage];
  const words = stage.replace(/[_-]+/g, " ").trim();
  return words === "" ? "Working" : words.charAt(0).toUpperCase() + words.slice(1);
}

/** A whole percentage in 0–100, whatever the worker sent. */
export function clampPercent(pct: number): number {
  return Number.isFinite(pct) ? Math.min(100, Math.max(0, Math.round(pct))) : 0;
}
