import Link from "next/link";
import type { JobFailure } from "../../convex/lib/failures";
import { adviceForFailure, startAgainHref } from "@/lib/jobs/failureAdvice";

/** Why the job failed, in plain words, and the way forward. */
export function FailureNotice({ failure, sourceUrl }: { failure: JobFailure; sourceUrl: string }) {
  const advice = adviceForFailure(failure.code);
  return (
    <div role="alert" tabIndex={-1} className="notice notice-error failure-notice" data-failure-code={failure.code}>
      <p className="failure-reason">{failure.message}</p>
      <p>{advice.advice}</p>
      <p>
        <Link href={startAgainHref(advice, sourceUrl)}>{advice.actionLabel}</Link>
      </p>
    </div>
  );
}
