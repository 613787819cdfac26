"use client";

import { useMutation } from "convex/react";
import { useEffect, useId, useRef, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { describeError } from "@/lib/errorMessages";

type Step = "idle" | "confirming" | "canceling";

/**
 * Cancels the job (FAILED with `canceled`) once the user confirms: it cannot be undone, and it
 * may stop an upload hours in. The page then follows the job's status live; an upload running
 * in this tab is stopped by the upload panel, which sees the status change. Focus goes to "Keep
 * the job" when asked (the safe answer to a second Enter), and back to "Cancel job" after it.
 */
export function CancelJobButton({ jobId }: { jobId: Id<"video_jobs"> }) {
  const cancel = useMutation(api.jobs.cancel);
  const [step, setStep] = useState<Step>("idle");
  const [error, setError] = useState<string | null>(null);
  const questionId = useId();
  const cancelButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const previousStep = useRef<Step>(step);

  useEffect(() => {
    if (step === "confirming" && previousStep.current === "idle") keepButton.current?.focus();
    if (step === "idle" && previousStep.current !== "idle") cancelButton.current?.focus();
    previousStep.current = step;
  }, [step]);

  async function cancelJob() {
    if (step === "canceling") return;
    setStep("canceling");
    setError(null);
    try {
      await cancel({ jobId });
    } catch (e) {
      setError(describeError(e).message);
      setStep("idle");
    }
  }

  return (
    <div className="cancel-job">
      {step === "idle" ? (
        <button type="button" ref={cancelButton} onClick={() => setStep("confirming")}>
          Cancel job
        </button>
      ) : (
        <div role="group" aria-labelledby={questionId} className="cancel-job-confirm">
          <p id={questionId}>Cancel this job? It stops for good: nothing more is uploaded or processed, and the parts already sent are deleted.</p>
          <button type="button" className="cancel-job-yes" onClick={() => void cancelJob()} aria-disabled={step === "canceling"}>
            {step === "canceling" ? "Canceling…" : "Yes, cancel the job"}
          </button>
          <button type="button" ref={keepButton} onClick={() => setStep("idle")} disabled={step === "canceling"}>
            Keep the job
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </div>
  );
}
