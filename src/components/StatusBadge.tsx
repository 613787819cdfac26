import type { FailureCode } from "../../convex/lib/failures";
import type { JobStatus } from "../../convex/lib/jobStatus";
import { isEndedByUser } from "@/lib/jobs/failureAdvice";
import { statusLabel } from "@/lib/jobs/jobSteps";

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

/**
 * A job's current step as a coloured label (the colour only repeats what the text says). A job
 * the user canceled reads "Canceled", in the neutral tone.
 */
export function StatusBadge({ status, failureCode, testId }: { status: JobStatus; failureCode?: FailureCode; testId?: string }) {
  const endedByUser = status === "FAILED" && isEndedByUser(failureCode);
  return (
    <span className={`status-badge status-badge-${endedByUser ? "neutral" : TONES[status]}`} data-testid={testId}>
      {statusLabel(status, failureCode)}
    </span>
  );
}
