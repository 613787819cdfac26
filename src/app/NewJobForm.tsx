"use client";

import { useMutation } from "convex/react";
import { useRouter } from "next/navigation";
import { useId, useRef, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import { parseYouTubeUrl } from "../../convex/lib/youtube";
import { describeError } from "@/lib/errorMessages";

/**
 * `initialUrl` prefills the link, for starting again from a failed job.
 *
 * A link that is not a YouTube video's is refused here, with the server's own parser and
 * sentences, so the expected mistake never becomes a server refusal. The server still checks
 * (and refuses what only it can know, such as `rate_limited`); that answer is shown the same way.
 */
export function NewJobForm({ initialUrl = "" }: { initialUrl?: string }) {
  const createJob = useMutation(api.jobs.createJobFromYouTubeUrl);
  const router = useRouter();
  const [url, setUrl] = useState(initialUrl);
  const [pending, setPending] = useState(false);
  /** What stops the job; `aboutTheLink` marks the field invalid (a rate limit is not its fault). */
  const [problem, setProblem] = useState<{ message: string; aboutTheLink: boolean } | null>(null);
  /** Once the field has been left or submitted with a mistake, it is checked as it is typed. */
  const [checkAsTyped, setCheckAsTyped] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const errorId = useId();

  const mistakeIn = (text: string): string | null => {
    const parsed = parseYouTubeUrl(text);
    return parsed.ok ? null : parsed.error;
  };
  const showMistake = (mistake: string | null) => setProblem(mistake === null ? null : { message: mistake, aboutTheLink: true });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const mistake = mistakeIn(url);
    if (mistake !== null) {
      showMistake(mistake);
      setCheckAsTyped(true);
      input.current?.focus();
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const { jobId } = await createJob({ url });
      router.push(`/jobs/${jobId}`);
    } catch (e) {
      const { code, message } = describeError(e);
      setProblem({ message, aboutTheLink: code === "invalid_url" });
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
            ref={input}
            id={inputId}
            name="url"
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://www.youtube.com/watch?v=…"
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              showMistake(checkAsTyped && e.target.value.trim() !== "" ? mistakeIn(e.target.value) : null);
            }}
            onBlur={() => {
              const mistake = url.trim() === "" ? null : mistakeIn(url);
              if (mistake === null) return;
              showMistake(mistake);
              setCheckAsTyped(true);
            }}
            aria-invalid={problem?.aboutTheLink === true}
            aria-describedby={problem ? errorId : undefined}
            required
          />
          <button type="submit" className="button-primary" disabled={pending || url.trim() === ""}>
            {pending ? "Adding…" : "Continue"}
          </button>
        </div>
        {problem && (
          <p id={errorId} role="alert" className="notice notice-error">
            {problem.message}
          </p>
        )}
      </form>
    </section>
  );
}
