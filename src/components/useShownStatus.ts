"use client";

import { useQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { JobStatus } from "../../convex/lib/jobStatus";
import type { JobView } from "../../convex/lib/validators";

/**
 * The step a person is on, which is not always the job's recorded status: once the rights are
 * confirmed (for the statement shown today) the job waits for its file — "Ready to upload" —
 * while the server records UPLOAD_READY only when the upload itself starts. The stepper, the
 * status badge, the tab's title and My jobs all read this, so they agree with the rights panel's
 * "you can upload your copy next" from the moment the box is ticked.
 *
 * `statementVersion` is undefined while it loads: confirmed rights then count as current (they
 * almost always are), so a page opened on the job does not flash "Video found" first.
 */
export function shownStatus(job: Pick<JobView, "status" | "rights">, statementVersion: string | undefined): JobStatus {
  const rightsCurrent = job.rights !== undefined && (statementVersion === undefined || job.rights.statementVersion === statementVersion);
  return job.status === "META_READY" && rightsCurrent ? "UPLOAD_READY" : job.status;
}

export function useShownStatus(job: Pick<JobView, "status" | "rights"> | null | undefined): JobStatus | undefined {
  const statement = useQuery(api.jobs.rightsStatement, {});
  return job ? shownStatus(job, statement?.version) : undefined;
}
