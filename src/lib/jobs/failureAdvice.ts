/**
 * What a person can do after a job failed, per failure code. Pure.
 *
 * A failed job is final (FAILED is terminal), so every way forward is a new job; most of them
 * start from the same YouTube link, which the home page takes prefilled (`/?url=…`).
 */
import type { FailureCode } from "../../../convex/lib/failures";

export type FailureAdvice = {
  /** The next step, in a sentence. */
  advice: string;
  /** The label of the link that starts it. */
  actionLabel: string;
  /** Whether the new job should start from this job's link (prefilled on the home page). */
  reuseLink: boolean;
  /** The user ended the job themselves: it reads "Canceled", as news rather than an error. */
  endedByUser?: true;
};

const ADVICE: Readonly<Record<FailureCode, FailureAdvice>> = {
  invalid_url: {
    advice: "Check the link: it must open a single video on youtube.com or youtu.be.",
    actionLabel: "Start a new job",
    reuseLink: false,
  },
  video_not_found: {
    advice: "Check that the link opens your video on YouTube — it may have been deleted, or the link mistyped — then start again with the right link.",
    actionLabel: "Fix the link and start again",
    reuseLink: true,
  },
  upload_aborted: {
    advice: "Start a new job and upload your copy of the video again.",
    actionLabel: "Start a new job with this link",
    reuseLink: true,
    endedByUser: true,
  },
  upload_abandoned: {
    advice: "Start a new job and upload your copy of the video again; keep the page open until the upload finishes.",
    actionLabel: "Start a new job with this link",
    reuseLink: true,
  },
  canceled: {
    advice: "Start a new job whenever you are ready.",
    actionLabel: "Start a new job with this link",
    reuseLink: true,
    endedByUser: true,
  },
  not_a_video: {
    advice: "Upload a different file: a video such as MP4, MOV or WebM.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
  too_long: {
    advice: "Upload a different file: a shorter cut of the video, or one at a lower frame rate.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
  too_large_resolution: {
    advice: "Upload a different file: an export of the video at 4K or lower, such as 1080p.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
  integrity: {
    advice: "The file that arrived was damaged on the way. Upload it again.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
  worker_lost: {
    advice: "This went wrong on our side, not with your file. Try again later: start a new job with this link and upload the file again.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
  processing_error: {
    advice: "This went wrong on our side, not with your file. Try again later: start a new job with this link and upload the file again.",
    actionLabel: "Start again with this link",
    reuseLink: true,
  },
};

export function adviceForFailure(code: FailureCode): FailureAdvice {
  return ADVICE[code];
}

/** Whether a job that failed with `code` was ended by its user (a cancel, a stopped upload). */
export function isEndedByUser(code: FailureCode | undefined): boolean {
  return code !== undefined && ADVICE[code].endedByUser === true;
}

/** The home page, with the link prefilled when there is one to reuse. */
export function startAgainHref(advice: FailureAdvice, sourceUrl: string): string {
  return advice.reuseLink ? `/?url=${encodeURIComponent(sourceUrl)}` : "/";
}
