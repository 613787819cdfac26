"use client";

import { useQuery } from "convex/react";
import { useRef } from "react";
import { api } from "../../../../convex/_generated/api";
import { isTerminal } from "../../../../convex/lib/jobStatus";
import { ArtifactGallery } from "@/components/artifacts/ArtifactGallery";
import { CaptionsSection } from "@/components/captions/CaptionsSection";
import { JobCaptionsProvider } from "@/components/captions/JobCaptions";
import { ClipsSection } from "@/components/clips/ClipsSection";
import { ProcessingProgress } from "@/components/ProcessingProgress";
import { JobNotFound } from "./JobPageErrorBoundary";
import { JobStatusSteps } from "@/components/JobStatusSteps";
import { MissingVideoNotice } from "./MissingVideoNotice";
import { SourceMetaCard } from "@/components/SourceMetaCard";
import { useShownStatus } from "@/components/useShownStatus";
import { useDocumentTitle } from "@/components/useDocumentTitle";
import { CancelJobButton } from "./CancelJobButton";
import { RightsConfirmation } from "./RightsConfirmation";
import { UploadPanel } from "./UploadPanel";
import { useFocusKeptInside } from "./useFocusKeptInside";
import { jobTitle } from "@/lib/jobs/jobTitle";
import { statusLabel } from "@/lib/jobs/jobSteps";

/** When a control of the page goes (Cancel job once the job ends): why it ended, else the title. */
const NEXT_FOCUS = ["[data-failure-code]", "h1"];

export function JobScreen({ jobId }: { jobId: string }) {
  const job = useQuery(api.jobs.get, { jobId });
  const layout = useRef<HTMLDivElement>(null);
  useFocusKeptInside(layout, NEXT_FOCUS);
  const status = useShownStatus(job);
  const missingVideo = job?.status === "FAILED" && job.failure?.code === "video_not_found";
  useDocumentTitle(
    job && status
      ? missingVideo
        ? "Video not found"
        : `${statusLabel(status, job.failure?.code)} · ${jobTitle(job.status, job.sourceMeta)}`
      : null,
  );
  if (job === undefined) return <p aria-busy="true">Loading…</p>;
  if (job === null) return <JobNotFound />;

  return (
    <div className="job-layout" ref={layout}>
      {missingVideo ? (
        <MissingVideoNotice videoId={job.videoId} sourceUrl={job.sourceUrl} />
      ) : (
        <SourceMetaCard videoId={job.videoId} sourceUrl={job.sourceUrl} status={job.status} meta={job.sourceMeta} />
      )}
      <JobStatusSteps job={job} detailsOnly={missingVideo} />
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
      <JobCaptionsProvider jobId={job._id} ready={job.status === "READY"}>
        {job.status === "READY" && <CaptionsSection jobId={job._id} />}
        {job.status === "READY" && <ClipsSection jobId={job._id} media={job.media} />}
        <ArtifactGallery jobId={job._id} />
      </JobCaptionsProvider>
      {!isTerminal(job.status) && <CancelJobButton jobId={job._id} status={job.status} />}
    </div>
  );
}
