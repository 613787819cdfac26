import type { EventActor, JobEventView } from "../../convex/lib/validators";
import { STEP_LABELS, sortEvents } from "@/lib/jobs/jobSteps";
import { formatDateTimeWithSeconds } from "@/lib/format";
import { describeEventDetail } from "@/lib/jobs/eventDetail";

const ACTORS: Readonly<Record<EventActor, string>> = {
  user: "you",
  system: "Reeldrop",
  worker: "the processing worker",
};

/** The job's audit trail (`job_events`), behind a disclosure. */
export function JobTimeline({ events }: { events: readonly JobEventView[] }) {
  return (
    <details className="timeline">
      <summary>
        Full timeline ({events.length} {events.length === 1 ? "event" : "events"})
      </summary>
      <ol className="timeline-list">
        {sortEvents(events).map((event, position) => (
          <li key={`${position}-${event.at}`} className="timeline-event">
            <span className="timeline-move">
              {event.from !== null && (
                <>
                  {STEP_LABELS[event.from]} <span aria-hidden="true">→</span>
                  <span className="visually-hidden">to</span>{" "}
                </>
              )}
              {STEP_LABELS[event.to]}
            </span>
            <span className="timeline-meta">
              <time dateTime={new Date(event.at).toISOString()}>{formatDateTimeWithSeconds(event.at)}</time> · by{" "}
              {ACTORS[event.actor]}
              {event.detail && <> · {describeEventDetail(event.detail)}</>}
            </span>
          </li>
        ))}
      </ol>
    </details>
  );
}
