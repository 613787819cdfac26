"use client";

import { useQuery } from "convex/react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { isTerminal } from "../../../../convex/lib/jobStatus";
import { ArtifactGallery } from "@/components/artifacts/ArtifactGallery";
import { ProcessingProgress } from "@/components/ProcessingProgress";
import { JobNotFound } from "./JobNotFoundBoundary";
import { JobStatusSteps } from "@/components/JobStatusSteps";
import { SourceMetaCard } from "@/components/SourceMetaCard";
import { CancelJobButton } from "./CancelJobButton";
import { RightsConfirmation } from "./RightsConfirmation";
import { UploadPanel } from "./UploadPanel";

export function JobScreen({ jobId }: { jobId: string }) {
  const job = useQuery(api.jobs.get, { jobId: jobId as Id<"video_jobs"> });
  if (job === undefined) return <p aria-busy="true">Loading…</p>;
  if (job === null) return <JobNotFound />;

  return (
    <div className="job-layout">
      <SourceMetaCard videoId={job.videoId} sourceUrl={job.sourceUrl} meta={job.sourceMeta} />
      <JobStatusSteps job={job} />
      {(job.status === "META_READY" || job.rights !== undefined) && (
        <RightsConfirmation jobId={job._id} rights={job.rights} editable={job.status === "META_READY"} />
      )}
      <UploadPanel job={job} />
      {(job.status === "UPLOADED" || job.status === "PROCESSING") && (
        <section className="card" aria-labelledby="processing-heading">
          <h2 id="processing-heading">Processing</h2>
          <ProcessingProgress status={job.status} progress={job.progress} attempt={job.attempt} />
        </section>
      )}
      <ArtifactGallery jobId={job._id} />
      {!isTerminal(job.status) && <CancelJobButton jobId={job._id} />}
    </div>
  );
}
