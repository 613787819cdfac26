"use client";

import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { JobView } from "../../convex/lib/validators";
import { isEndedByUser } from "@/lib/jobs/failureAdvice";
import { describeSteps, statusLabel, type StepState } from "@/lib/jobs/jobSteps";
import { formatStepTime } from "@/lib/format";
import { FailureNotice } from "./FailureNotice";
import { JobTimeline } from "./JobTimeline";
import { StatusBadge } from "./StatusBadge";
import { useShownStatus } from "./useShownStatus";

/** The failed step's text names how the job ended ("failed here", "canceled here"). */
const STATE_TEXT: Readonly<Record<Exclude<StepState, "failed">, string>> = {
  done: "done",
  current: "current step",
  pending: "not reached yet",
};

/**
 * The live stepper: every happy-path step with the time the job reached it, FAILED marked at
 * the step it failed from, what to do after a failure, and the full timeline one click away.
 * Status changes are announced politely. `detailsOnly`: the page already leads with why the job
 * ended (a video YouTube does not have), so only the status and the timeline stay.
 */
export function JobStatusSteps({ job, detailsOnly = false }: { job: JobView; detailsOnly?: boolean }) {
  const timeline = useQuery(api.jobs.timeline, { jobId: job._id }) ?? undefined;
  const status = useShownStatus(job) ?? job.status;
  // Ready to upload before the server records it: since the rights were confirmed.
  const steps = describeSteps(status, timeline).map((step) =>
    step.status === "UPLOAD_READY" && status !== job.status ? { ...step, at: job.rights?.confirmedAt } : step,
  );
  const endedByUser = isEndedByUser(job.failure?.code);
  const endedAs = statusLabel("FAILED", job.failure?.code);

  return (
    <section className="card" aria-labelledby="status-heading">
      <div className="status-header">
        <h2 id="status-heading">Status</h2>
        <p className="status-current" aria-live="polite" aria-atomic="true">
          <span className="visually-hidden">Current step: </span>
          <StatusBadge status={status} failureCode={job.failure?.code} testId="job-status" />
        </p>
      </div>
      {!detailsOnly && (
        <ol className="steps">
          {steps.map((step) => (
            <li
              key={step.status}
              className={`step step-${step.state}${step.state === "failed" && endedByUser ? " step-ended-by-user" : ""}`}
              aria-current={step.status === status || step.state === "failed" ? "step" : undefined}
            >
              <span className="step-marker" aria-hidden="true" />
              <span className="step-label">
                {step.label}
                {step.state === "failed" && <span className="step-failed-tag">{endedAs}</span>}
                <span className="visually-hidden"> ({step.state === "failed" ? `${endedAs.toLowerCase()} here` : STATE_TEXT[step.state]})</span>
              </span>
              <span className="step-time">
                {step.at !== undefined && <time dateTime={new Date(step.at).toISOString()}>{formatStepTime(step.at)}</time>}
              </span>
            </li>
          ))}
        </ol>
      )}
      {job.status === "FAILED" && job.failure && !detailsOnly && <FailureNotice failure={job.failure} sourceUrl={job.sourceUrl} />}
      {job.status === "READY" && (
        <p className="notice notice-ok" data-testid="ready-notice">
          Done: your media is ready. <a href="#gallery-heading">Go to your media</a>
        </p>
      )}
      {timeline && timeline.length > 0 && <JobTimeline events={timeline} />}
    </section>
  );
}
