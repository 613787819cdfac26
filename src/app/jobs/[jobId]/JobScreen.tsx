"use client";

import { useQuery } from "convex/react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { JobNotFound } from "./JobNotFoundBoundary";
import { JobStatusSteps } from "@/components/JobStatusSteps";
import { SourceMetaCard } from "@/components/SourceMetaCard";
import { RightsConfirmation } from "./RightsConfirmation";

export function JobScreen({ jobId }: { jobId: string }) {
  const job = useQuery(api.jobs.get, { jobId: jobId as Id<"video_jobs"> });
  if (job === undefined) return <p aria-busy="true">Loading…</p>;
  if (job === null) return <JobNotFound />;

  return (
    <div className="job-layout">
      <SourceMetaCard videoId={job.videoId} sourceUrl={job.sourceUrl} meta={job.sourceMeta} />
      <JobStatusSteps status={job.status} failure={job.failure} />
      {job.status === "META_READY" && (
        <RightsConfirmation jobId={job._id} confirmedVersion={job.rights?.statementVersion} />
      )}
    </div>
  );
}
