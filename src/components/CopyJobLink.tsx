"use client";

import { useId, useState } from "react";

/**
 * Puts the job page's address on the clipboard, for a guest to keep (a bookmark, a note): it
 * opens the job again in this browser, whose guest owns it. Where the clipboard is refused, the
 * address is shown selected, to copy by hand.
 */
export function CopyJobLink({ jobId }: { jobId: string }) {
  const [outcome, setOutcome] = useState<"copied" | "refused" | null>(null);
  const fieldId = useId();
  const address = () => `${window.location.origin}/jobs/${jobId}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(address());
      setOutcome("copied");
    } catch {
      setOutcome("refused");
    }
  }

  return (
    <div className="copy-job-link">
      <button type="button" onClick={copy}>
        Copy job link
      </button>
      <span role="status" className="small">
        {outcome === "copied" && "Link copied. It opens this job in this browser."}
      </span>
      {outcome === "refused" && (
        <p className="small">
          <label htmlFor={fieldId}>The browser did not allow copying; the job&apos;s link is:</label>
          <input id={fieldId} type="text" readOnly value={address()} onFocus={(e) => e.currentTarget.select()} autoFocus />
        </p>
      )}
    </div>
  );
}
