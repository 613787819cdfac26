import Link from "next/link";
import { adviceForFailure, startAgainHref } from "@/lib/jobs/failureAdvice";

/**
 * The page of a job whose link names no video on YouTube (`video_not_found`): it leads with what
 * happened and what to do, as the page's heading, since there is no video to show; the status
 * card below keeps the timeline for details.
 */
export function MissingVideoNotice({ videoId, sourceUrl }: { videoId: string; sourceUrl: string }) {
  const advice = adviceForFailure("video_not_found");
  return (
    <section className="card notice-card" aria-labelledby="missing-video-heading" data-failure-code="video_not_found" tabIndex={-1}>
      <h1 id="missing-video-heading">YouTube has no video at this link</h1>
      <p>
        The link names the video{" "}
        <a href={sourceUrl} rel="noopener noreferrer" target="_blank">
          youtube.com/watch?v={videoId}
        </a>
        , and YouTube says it does not exist.
      </p>
      <p>{advice.advice}</p>
      <p>
        <Link href={startAgainHref(advice, sourceUrl)} className="button-link">
          {advice.actionLabel}
        </Link>
      </p>
    </section>
  );
}
