"use client";

import { usePaginatedQuery } from "convex/react";
import Link from "next/link";
import { api } from "../../../convex/_generated/api";
import type { JobView } from "../../../convex/lib/validators";
import { GuestOwnershipNote } from "@/components/GuestOwnershipNote";
import { ProcessingProgress } from "@/components/ProcessingProgress";
import { StatusBadge } from "@/components/StatusBadge";
import { useShownStatus } from "@/components/useShownStatus";
import { VideoThumbnail } from "@/components/VideoThumbnail";
import { formatDateTime } from "@/lib/format";
import { jobTitle } from "@/lib/jobs/jobTitle";

const PAGE_SIZE = 10;

/** The signed-in user's jobs, newest first, each with its live status. */
export function MyJobsList() {
  const { results, status, loadMore } = usePaginatedQuery(api.jobs.listMine, {}, { initialNumItems: PAGE_SIZE });

  return (
    <section className="card" aria-labelledby="my-jobs-heading" aria-busy={status === "LoadingFirstPage"}>
      <div className="my-jobs-header">
        <h1 id="my-jobs-heading">My jobs</h1>
        <Link href="/" className="button-link">
          New video
        </Link>
      </div>
      <GuestOwnershipNote>
        <p>To come back to a job, keep this browser, or its page&apos;s link (a bookmark will do).</p>
      </GuestOwnershipNote>
      {status === "LoadingFirstPage" ? (
        <p className="muted">Loading your jobs…</p>
      ) : results.length === 0 ? (
        <p className="muted">
          You have not started any jobs yet. <Link href="/">Start with a YouTube link</Link>.
        </p>
      ) : (
        <ul className="job-list">
          {results.map((job) => (
            <li key={job._id}>
              <JobRow job={job} />
            </li>
          ))}
        </ul>
      )}
      {(status === "CanLoadMore" || status === "LoadingMore") && (
        <div className="load-more">
          <button
            type="button"
            onClick={() => {
              if (status === "CanLoadMore") loadMore(PAGE_SIZE);
            }}
            aria-disabled={status === "LoadingMore"}
          >
            {status === "LoadingMore" ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}

function JobRow({ job }: { job: JobView }) {
  const title = jobTitle(job.status, job.sourceMeta);
  const status = useShownStatus(job) ?? job.status;
  return (
    <Link href={`/jobs/${job._id}`} className="job-row" data-testid={`job-row-${job._id}`}>
      <VideoThumbnail src={job.sourceMeta?.thumbnailUrl} className="job-row-thumbnail" />
      <div className="job-row-body">
        <p className="job-row-title">{title}</p>
        <p className="job-row-meta">
          <StatusBadge status={status} failureCode={job.failure?.code} />
          <time dateTime={new Date(job._creationTime).toISOString()}>Started {formatDateTime(job._creationTime)}</time>
        </p>
        {job.status === "PROCESSING" && <ProcessingProgress status={job.status} progress={job.progress} attempt={job.attempt} />}
      </div>
    </Link>
  );
}
