import type { JobStatus } from "../../convex/lib/jobStatus";
import { STEP_LABELS } from "@/lib/jobs/jobSteps";

const TONES: Readonly<Record<JobStatus, "neutral" | "active" | "ok" | "error">> = {
  CREATED: "neutral",
  META_READY: "neutral",
  UPLOAD_READY: "neutral",
  UPLOADING: "active",
  UPLOADED: "active",
  PROCESSING: "active",
  READY: "ok",
  FAILED: "error",
};

/** A job's current step as a coloured label (the colour only repeats what the text says). */
export function StatusBadge({ status, testId }: { status: JobStatus; testId?: string }) {
  return (
    <span className={`status-badge status-badge-${TONES[status]}`} data-testid={testId}>
      {STEP_LABELS[status]}
    </span>
  );
}
