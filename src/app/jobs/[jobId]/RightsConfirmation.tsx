"use client";

import { useMutation, useQuery } from "convex/react";
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import { describeError } from "@/lib/errorMessages";

type Props = { jobId: Id<"video_jobs">; confirmedVersion: string | undefined };

export function RightsConfirmation({ jobId, confirmedVersion }: Props) {
  const statement = useQuery(api.jobs.rightsStatement, {});
  const confirmRights = useMutation(api.jobs.confirmRights);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const checkboxId = useId();

  if (statement === undefined) return null;
  const confirmed = confirmedVersion === statement.version;

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
          checked={confirmed || pending}
          disabled={confirmed || pending}
          onChange={(e) => {
            if (e.target.checked) void confirm();
          }}
        />
        <label htmlFor={checkboxId}>{statement.text}</label>
      </div>
      {confirmed && <p className="notice notice-ok">Thanks — you can upload your copy of the video next.</p>}
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </section>
  );
}
