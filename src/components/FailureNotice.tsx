import Link from "next/link";
import { defaultFailureMessage, type JobFailure } from "../../convex/lib/failures";
import { adviceForFailure, isEndedByUser, startAgainHref } from "@/lib/jobs/failureAdvice";

/**
 * Why the job ended, in plain words, and the way forward. The code's own sentence leads; what
 * the server said beyond it (a worker's reason) follows as details. A job the user canceled is
 * news, not an error: it is announced politely and not coloured as one.
 */
export function FailureNotice({ failure, sourceUrl }: { failure: JobFailure; sourceUrl: string }) {
  const advice = adviceForFailure(failure.code);
  const headline = defaultFailureMessage(failure.code);
  const endedByUser = isEndedByUser(failure.code);
  return (
    <div
      role={endedByUser ? "status" : "alert"}
      tabIndex={-1}
      className={`notice ${endedByUser ? "" : "notice-error "}failure-notice`}
      data-failure-code={failure.code}
    >
      <p className="failure-reason">{headline}</p>
      {failure.message !== headline && <p className="small failure-detail">Details: {failure.message}</p>}
      <p>{advice.advice}</p>
      <p>
        <Link href={startAgainHref(advice, sourceUrl)}>{advice.actionLabel}</Link>
      </p>
    </div>
  );
}
