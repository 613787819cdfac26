"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import type { JobStatus } from "../../../../convex/lib/jobStatus";
import { ConfirmButton } from "@/components/ConfirmButton";
import { describeError } from "@/lib/errorMessages";

/** What canceling does at each step, said before the user confirms (`cancelJob` on the server). */
export function cancelJobQuestion(status: JobStatus): string {
  switch (status) {
    case "UPLOAD_READY":
    case "UPLOADING":
      return "Cancel this job? It stops for good: nothing more is uploaded, and the parts already sent are deleted.";
    case "UPLOADED":
    case "PROCESSING":
      return "Cancel this job? It stops for good: your video is not processed any further, and the file you uploaded is deleted.";
    default:
      return "Cancel this job? It stops for good.";
  }
}

/**
 * Cancels the job (FAILED with `canceled`) once the user confirms: it cannot be undone, and it
 * may stop an upload hours in. The page then follows the job's status live; an upload running
 * in this tab is stopped by the upload panel, which sees the status change.
 */
export function CancelJobButton({ jobId, status }: { jobId: Id<"video_jobs">; status: JobStatus }) {
  const cancel = useMutation(api.jobs.cancel);
  const [error, setError] = useState<string | null>(null);

  async function cancelJob() {
    setError(null);
    try {
      await cancel({ jobId });
    } catch (e) {
      setError(describeError(e).message);
      throw e;
    }
  }

  return (
    <div className="cancel-job">
      <ConfirmButton
        label="Cancel job"
        question={cancelJobQuestion(status)}
        confirmLabel="Yes, cancel the job"
        busyLabel="Canceling…"
        keepLabel="Keep the job"
        onConfirm={cancelJob}
      />
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </div>
  );
}
