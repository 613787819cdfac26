import type { JobView } from "../../convex/lib/validators";
import { clampPercent, processingStageLabel } from "@/lib/jobs/processingStages";

type Props = Pick<JobView, "status" | "progress" | "attempt">;

/**
 * Where processing stands: the worker's stage and its percentage, with a bar. Also shown
 * while the job waits for a worker, so the card keeps its size when processing starts.
 */
export function ProcessingProgress({ status, progress, attempt }: Props) {
  const processing = status === "PROCESSING";
  const label = processing
    ? processingStageLabel(progress?.stage ?? "claimed")
    : attempt > 0
      ? "Waiting to try again"
      : "Waiting for a worker";
  const pct = processing ? clampPercent(progress?.pct ?? 0) : 0;
  return (
    <div className="processing">
      <div className="processing-row">
        <span className="processing-stage">{label}</span>
        <span className="processing-pct">{processing ? `${pct}%` : ""}</span>
      </div>
      <progress className="progress-bar" max={100} value={pct} aria-label={`Processing: ${label}`} />
    </div>
  );
}
