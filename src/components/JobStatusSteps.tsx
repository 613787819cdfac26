import { HAPPY_PATH, type JobStatus } from "../../convex/lib/jobStatus";
import type { JobFailure } from "../../convex/lib/failures";

const STEP_LABELS: Record<JobStatus, string> = {
  CREATED: "Link received",
  META_READY: "Video found",
  UPLOAD_READY: "Ready to upload",
  UPLOADING: "Uploading",
  UPLOADED: "Uploaded",
  PROCESSING: "Processing",
  READY: "Ready",
  FAILED: "Failed",
};

/** The job's progress along the happy path; the current step is announced to screen readers. */
export function JobStatusSteps({ status, failure }: { status: JobStatus; failure?: JobFailure }) {
  const currentIndex = HAPPY_PATH.indexOf(status);
  return (
    <section className="card" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <p className="visually-hidden" aria-live="polite" data-testid="job-status">
        {STEP_LABELS[status]}
      </p>
      <ol className="steps">
        {HAPPY_PATH.map((step, index) => {
          const state = status === "FAILED" ? "pending" : index < currentIndex ? "done" : index === currentIndex ? "current" : "pending";
          return (
            <li key={step} className={`step step-${state}`} aria-current={state === "current" ? "step" : undefined}>
              {STEP_LABELS[step]}
            </li>
          );
        })}
      </ol>
      {status === "FAILED" && failure && (
        <p role="alert" className="notice notice-error" data-failure-code={failure.code}>
          {failure.message}
        </p>
      )}
    </section>
  );
}
