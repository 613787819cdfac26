"use client";

import { useQuery } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";

/** The clip form's "Burn in captions" box: only once the job's captions are READY with speech. */
export function BurnInCaptionsOption({
  jobId,
  checked,
  onChange,
}: {
  jobId: Id<"video_jobs">;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const captions = useQuery(api.captions.forJob, { jobId });
  if (captions?.status !== "READY" || !captions.speech) return null;
  return (
    <label data-testid="burn-in-captions">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} /> Burn in captions
    </label>
  );
}
