/**
 * What the stepper shows, derived from the job's status and its `job_events` timeline. Pure.
 *
 * A step's time is the last time the job reached it: after a retry (PROCESSING → UPLOADED →
 * PROCESSING) the stepper shows the attempt that is running now. A failed job shows FAILED at
 * the step it failed from — the `from` of its FAILED event.
 */
import { HAPPY_PATH, type JobStatus } from "../../../convex/lib/jobStatus";
import type { FailureCode } from "../../../convex/lib/failures";
import type { JobEventView } from "../../../convex/lib/validators";
import { isEndedByUser } from "./failureAdvice";

export const STEP_LABELS: Readonly<Record<JobStatus, string>> = {
  CREATED: "Link received",
  META_READY: "Video found",
  UPLOAD_READY: "Ready to upload",
  UPLOADING: "Uploading",
  UPLOADED: "Uploaded",
  PROCESSING: "Processing",
  READY: "Ready",
  FAILED: "Failed",
};

/**
 * The one-word status a person reads: a job the user ended themselves (`endedByUser`) reads
 * "Canceled", not "Failed".
 */
export function statusLabel(status: JobStatus, failureCode?: FailureCode): string {
  return status === "FAILED" && isEndedByUser(failureCode) ? "Canceled" : STEP_LABELS[status];
}

export type StepState = "done" | "current" | "failed" | "pending";

export type StepView = {
  status: JobStatus;
  label: string;
  state: StepState;
  /** When the job reached this step (for a failed step: when it failed there). */
  at: number | undefined;
};

/** Events in the order they happened (`at`, then the order they were written). */
export function sortEvents(events: readonly JobEventView[]): JobEventView[] {
  return events
    .map((event, order) => ({ event, order }))
    .sort((a, b) => a.event.at - b.event.at || a.order - b.order)
    .map(({ event }) => event);
}

/** The latest time each status was entered. */
export function stepReachedAt(events: readonly JobEventView[]): Map<JobStatus, number> {
  const reached = new Map<JobStatus, number>();
  for (const event of sortEvents(events)) reached.set(event.to, event.at);
  return reached;
}

/**
 * The happy-path step a failed job was at when it failed: the FAILED event's `from`, else the
 * status the event before it entered. `undefined` while the timeline is unknown.
 */
export function failedAtStep(events: readonly JobEventView[]): { status: JobStatus; at: number } | undefined {
  const sorted = sortEvents(events);
  const failedIndex = sorted.findLastIndex((event) => event.to === "FAILED");
  if (failedIndex === -1) return undefined;
  const failed = sorted[failedIndex]!;
  const from = failed.from ?? sorted[failedIndex - 1]?.to ?? "CREATED";
  return { status: from === "FAILED" ? "CREATED" : from, at: failed.at };
}

/**
 * One entry per happy-path step. `events` is `undefined` while the timeline loads: the steps
 * then carry no times, and a failed job marks no step until it is known where it failed.
 */
export function describeSteps(status: JobStatus, events: readonly JobEventView[] | undefined): StepView[] {
  const reached = events ? stepReachedAt(events) : new Map<JobStatus, number>();
  const failure = status === "FAILED" && events ? failedAtStep(events) : undefined;
  const anchor = status === "FAILED" ? failure?.status : status;
  const anchorIndex = anchor === undefined ? -1 : HAPPY_PATH.indexOf(anchor);

  return HAPPY_PATH.map((step, index): StepView => {
    const label = STEP_LABELS[step];
    if (index < anchorIndex) return { status: step, label, state: "done", at: reached.get(step) };
    if (index === anchorIndex) {
      return failure
        ? { status: step, label, state: "failed", at: failure.at }
        // READY is the last step: reaching it completes it.
        : { status: step, label, state: step === "READY" ? "done" : "current", at: reached.get(step) };
    }
    return { status: step, label, state: "pending", at: undefined };
  });
}
