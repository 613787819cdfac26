"use client";

import { useMutation } from "convex/react";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import { describeError } from "@/lib/errorMessages";

/** `initialUrl` prefills the link, for starting again from a failed job. */
export function NewJobForm({ initialUrl = "" }: { initialUrl?: string }) {
  const createJob = useMutation(api.jobs.createJobFromYouTubeUrl);
  const router = useRouter();
  const [url, setUrl] = useState(initialUrl);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const errorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const { jobId } = await createJob({ url });
      router.push(`/jobs/${jobId}`);
    } catch (e) {
      setError(describeError(e).message);
      setPending(false);
    }
  }

  return (
    <section className="card" aria-labelledby="new-job-heading">
      <h1 id="new-job-heading">New video</h1>
      <form onSubmit={submit} noValidate>
        <label htmlFor={inputId}>Link to your YouTube video</label>
        <div className="field-row">
          <input
            id={inputId}
            name="url"
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://www.youtube.com/watch?v=…"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            aria-invalid={error !== null}
            aria-describedby={error ? errorId : undefined}
            required
          />
          <button type="submit" className="button-primary" disabled={pending || url.trim() === ""}>
            {pending ? "Adding…" : "Continue"}
          </button>
        </div>
        {error && (
          <p id={errorId} role="alert" className="notice notice-error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
