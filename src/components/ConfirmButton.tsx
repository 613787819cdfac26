"use client";

import { useEffect, useId, useRef, useState } from "react";

type Step = "idle" | "confirming" | "acting";

export type ConfirmButtonProps = {
  /** The button, e.g. "Cancel job". */
  label: string;
  /** What the user is asked once they press it: what happens, and that it cannot be undone. */
  question: string;
  /** The button that goes ahead, e.g. "Yes, cancel the job". */
  confirmLabel: string;
  /** Shown on that button while `onConfirm` runs, e.g. "Canceling…". */
  busyLabel: string;
  /** The safe answer, e.g. "Keep the job". */
  keepLabel: string;
  /**
   * Does it. On success the caller's page moves on (the control goes); when it rejects, the
   * button comes back so the user can try again, and the caller says what went wrong.
   */
  onConfirm: () => Promise<void>;
  disabled?: boolean;
};

/**
 * A destructive action asked about first, in place (no modal). Focus goes to the safe answer
 * when asked, so a second Enter does nothing harmful, and back to the button after "keep".
 */
export function ConfirmButton({ label, question, confirmLabel, busyLabel, keepLabel, onConfirm, disabled = false }: ConfirmButtonProps) {
  const [step, setStep] = useState<Step>("idle");
  const questionId = useId();
  const actionButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const previousStep = useRef<Step>(step);

  useEffect(() => {
    if (step === "confirming" && previousStep.current === "idle") keepButton.current?.focus();
    if (step === "idle" && previousStep.current !== "idle") actionButton.current?.focus();
    previousStep.current = step;
  }, [step]);

  async function confirm() {
    if (step === "acting" || disabled) return;
    setStep("acting");
    try {
      await onConfirm();
    } catch {
      setStep("idle");
    }
  }

  if (step === "idle") {
    return (
      <button type="button" className="confirm-action" ref={actionButton} onClick={() => setStep("confirming")} disabled={disabled}>
        {label}
      </button>
    );
  }
  return (
    <div role="group" aria-labelledby={questionId} className="confirm-action-question">
      <p id={questionId}>{question}</p>
      <button type="button" className="confirm-action-yes" onClick={() => void confirm()} aria-disabled={step === "acting" || disabled}>
        {step === "acting" ? busyLabel : confirmLabel}
      </button>
      <button type="button" ref={keepButton} onClick={() => setStep("idle")} disabled={step === "acting"}>
        {keepLabel}
      </button>
    </div>
  );
}
