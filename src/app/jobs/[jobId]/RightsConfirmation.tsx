"use client";

import { useMutation, useQuery } from "convex/react";
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { describeError } from "@/lib/errorMessages";
import { formatStepTime } from "@/lib/format";

type Props = {
  jobId: Id<"video_jobs">;
  /** What the job recorded, if the owner confirmed. */
  rights: { statementVersion: string; confirmedAt: number } | undefined;
  /** Only before the upload starts (META_READY); later the box shows what was confirmed. */
  editable: boolean;
};

/** The rights statement with its checkbox: to confirm before uploading, and on record after. */
export function RightsConfirmation({ jobId, rights, editable }: Props) {
  const statement = useQuery(api.jobs.rightsStatement, {});
  const confirmRights = useMutation(api.jobs.confirmRights);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const checkboxId = useId();

  if (statement === undefined) return null;
  const confirmed = rights?.statementVersion === statement.version;
  // Confirmed or confirming: the box no longer changes, but it keeps focus (a disabled one would
  // drop a keyboard user's focus to the top of the page); `disabled` only once it is a record.
  const locked = confirmed || pending;

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await confirmRights({ jobId, statementVersion: statement!.version });
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="card" aria-labelledby="rights-heading">
      <h2 id="rights-heading">Your rights to this video</h2>
      <div className="checkbox-row">
        <input
          id={checkboxId}
          type="checkbox"
          checked={locked}
          aria-disabled={locked || undefined}
          disabled={!editable}
          onChange={(e) => {
            if (!locked && e.target.checked) void confirm();
          }}
        />
        <label htmlFor={checkboxId}>{statement.text}</label>
      </div>
      {editable && !confirmed && <p className="muted small">Tick the box to upload your copy of the video.</p>}
      <div role="status">
        {confirmed && editable && <p className="notice notice-ok">Thanks — you can upload your copy of the video next.</p>}
      </div>
      {rights && !editable && (
        <p className="muted small" data-testid="rights-record">
          Confirmed at <time dateTime={new Date(rights.confirmedAt).toISOString()}>{formatStepTime(rights.confirmedAt)}</time>
          {confirmed ? "." : ", for an earlier version of this statement."}
        </p>
      )}
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </section>
  );
}
