"use client";

import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { describeError } from "@/lib/errorMessages";

/**
 * Cancels the job (FAILED with `canceled`); the page then follows the job's status live. An
 * upload running in this tab is stopped by the upload panel, which sees the status change.
 */
export function CancelJobButton({ jobId }: { jobId: Id<"video_jobs"> }) {
  const cancel = useMutation(api.jobs.cancel);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function cancelJob() {
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      await cancel({ jobId });
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="cancel-job">
      <button type="button" onClick={cancelJob} aria-disabled={pending}>
        {pending ? "Canceling…" : "Cancel job"}
      </button>
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </div>
  );
}
