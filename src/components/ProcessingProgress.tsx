import type { JobView } from "../../convex/lib/validators";
import { clampPercent, overallProcessingPercent, processingStageLabel, processingStep } from "@/lib/jobs/processingStages";

type Props = Pick<JobView, "status" | "progress" | "attempt">;

/**
 * Where processing stands: the worker's stage ("step 3 of 6") and how far the whole run is,
 * with a bar that fills once across the stages. While the job waits for a worker the bar is
 * indeterminate, and the card keeps its size when processing starts.
 */
export function ProcessingProgress({ status, progress, attempt }: Props) {
  if (status !== "PROCESSING") {
    const waiting = attempt > 0 ? "Waiting to try again" : "Queued: processing starts when a worker is free";
    return (
      <div className="processing">
        <div className="processing-row">
          <span className="processing-stage">{waiting}</span>
          <span className="processing-pct" />
        </div>
        <progress className="progress-bar" max={100} aria-label={`Processing: ${waiting}`} />
      </div>
    );
  }
  const stage = progress?.stage ?? "claimed";
  const label = processingStageLabel(stage);
  const step = processingStep(stage);
  // A stage this page does not know shows its own percentage.
  const pct = overallProcessingPercent(stage, progress?.pct ?? 0) ?? clampPercent(progress?.pct ?? 0);
  return (
    <div className="processing">
      <div className="processing-row">
        <span className="processing-stage">
          {label}
          {step && <span className="muted"> · step {step.step} of {step.of}</span>}
        </span>
        <span className="processing-pct">{pct}%</span>
      </div>
      <progress className="progress-bar" max={100} value={pct} aria-label={`Processing: ${label}`} />
    </div>
  );
}
