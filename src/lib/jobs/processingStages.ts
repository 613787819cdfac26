/**
 * Names for the worker's processing stages (`job.progress.stage`), in the order it runs
 * them. The worker owns the stage names; one it adds later reads as itself until named here.
 */
const STAGE_LABELS: Readonly<Record<string, string>> = {
  claimed: "Starting",
  download: "Fetching your upload",
  verify: "Checking the file",
  probe: "Reading the video",
  stills: "Making the poster and thumbnails",
  scan: "Making the storyboard, preview and audio",
  clips: "Cutting highlight clips",
  upload: "Saving the results",
};

export function processingStageLabel(stage: string): string {
  const known = Object.hasOwn(STAGE_LABELS, stage) ? STAGE_LABELS[stage] : undefined;
  if (known) return known;
  const words = stage.replace(/[_-]+/g, " ").trim();
  return words === "" ? "Working" : words.charAt(0).toUpperCase() + words.slice(1);
}

/** A whole percentage in 0–100, whatever the worker sent. */
export function clampPercent(pct: number): number {
  return Number.isFinite(pct) ? Math.min(100, Math.max(0, Math.round(pct))) : 0;
}
