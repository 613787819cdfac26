"use client";

import { useQuery } from "convex/react";
import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { api } from "../../../../convex/_generated/api";
import type { JobStatus } from "../../../../convex/lib/jobStatus";
import type { JobView } from "../../../../convex/lib/validators";
import type { UploadStatus } from "@/lib/upload";
import { describeResumePrompt, describeUploadFailure, refuseChosenFile } from "@/lib/upload/ui/uploadMessages";
import { useResumableUpload } from "@/lib/upload/ui/useResumableUpload";
import { ConfirmButton } from "@/components/ConfirmButton";
import { CopyJobLink } from "@/components/CopyJobLink";
import { GuestOwnershipNote } from "@/components/GuestOwnershipNote";
import { UploadProgress } from "./UploadProgress";
import { useFocusKeptInside } from "./useFocusKeptInside";
import { useWarnBeforeLeaving } from "./useWarnBeforeLeaving";

/**
 * Where focus goes when the focused control goes: the next action, the picker, what happened,
 * the panel's heading.
 */
const NEXT_FOCUS = ["button:not(:disabled)", "input:not(:disabled)", '[role="alert"], [role="status"]', "h2"];

const LEAVING_STOPS_THE_UPLOAD =
  "Leave this page? Your upload stops. To finish it later, come back to this job and pick the same file again: only the missing parts are sent.";

/** A job takes its file in these states, once the rights are confirmed. */
const AWAITING_FILE: readonly JobStatus[] = ["META_READY", "UPLOAD_READY", "UPLOADING"];
const PAUSABLE: readonly UploadStatus[] = ["idle", "preparing", "uploading", "offline"];

/**
 * Sends the user's copy of the video to storage: file picker, progress, pause/resume/cancel, a
 * resume prompt for an upload left unfinished, and a clear sentence for every way it can stop.
 * Stays on screen after this tab's upload ends, so its outcome can be read.
 */
export function UploadPanel({ job }: { job: JobView }) {
  const statement = useQuery(api.jobs.rightsStatement, {});
  // Before the upload starts, the rights must be confirmed for the statement shown today.
  const rightsCurrent = job.rights !== undefined && (job.status !== "META_READY" || job.rights.statementVersion === statement?.version);
  const awaitingFile = rightsCurrent && AWAITING_FILE.includes(job.status);
  const upload = useResumableUpload(job._id, { watchSession: awaitingFile && job.status !== "META_READY" });
  const [refusal, setRefusal] = useState<string | null>(null);
  const [cancelProblem, setCancelProblem] = useState<string | null>(null);
  const [canceling, setCanceling] = useState(false);
  const headingId = useId();
  const inputId = useId();
  const hintId = useId();
  const panelRef = useRef<HTMLElement>(null);
  useFocusKeptInside(panelRef, NEXT_FOCUS);

  const { snapshot, sending, resumePrompt, file, cancel: cancelUpload } = upload;
  const status = snapshot?.status ?? null;

  // Not while completing: storage is putting the parts together on the server, whatever the page does.
  useWarnBeforeLeaving(sending && status !== "completing", LEAVING_STOPS_THE_UPLOAD);

  // The job was stopped elsewhere (its Cancel button, another tab): stop sending too. Not while
  // completing, where the server's own answer says what happened.
  const stoppedElsewhere = job.status === "FAILED" && sending && status !== "completing";
  useEffect(() => {
    if (stoppedElsewhere) cancelUpload().catch(() => {});
  }, [stoppedElsewhere, cancelUpload]);

  if (!awaitingFile && snapshot === null) return null;
  const failure = snapshot?.error && status === "failed" ? describeUploadFailure(snapshot.error) : null;
  const retryFile = status === "failed" && snapshot?.error?.retryable === true && awaitingFile ? file : null;
  const showPicker = awaitingFile && !sending && status !== "done";
  // An upload that ended before the server's plan was known (another file, canceled while
  // checking) sent nothing: its bar would only say 0 %.
  const showProgress = sending || (snapshot !== null && snapshot.partsTotal > 0);
  const prompt = resumePrompt ? describeResumePrompt(resumePrompt) : null;

  function chooseFile(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0];
    // Cleared so that choosing the same file again (after fixing something) is a change too.
    event.target.value = "";
    if (!chosen) return;
    const refused = refuseChosenFile(chosen);
    setRefusal(refused);
    setCancelProblem(null);
    if (refused === null) upload.start(chosen);
  }

  async function cancel() {
    setCanceling(true);
    setCancelProblem(null);
    try {
      await cancelUpload();
    } catch (error) {
      setCancelProblem(
        `The server could not be told to stop the upload${error instanceof Error ? ` (${error.message})` : ""}. ` +
          "Try again; parts left unfinished are also cleared automatically once the upload has been idle long enough.",
      );
      // The Cancel button comes back, so it can be tried again.
      throw error;
    } finally {
      setCanceling(false);
    }
  }

  return (
    <section
      ref={panelRef}
      className="card upload-panel"
      aria-labelledby={headingId}
      data-upload-status={status ?? "none"}
      data-parts-confirmed={snapshot?.partsConfirmed ?? 0}
      data-parts-total={snapshot?.partsTotal ?? 0}
      data-hashing-path={upload.checksumImplementation ?? "none"}
    >
      <h2 id={headingId} tabIndex={-1}>
        Upload your copy of the video
      </h2>

      {prompt && resumePrompt && (
        <p
          className="notice upload-resume-prompt"
          data-testid="resume-prompt"
          data-parts-uploaded={resumePrompt.partsUploaded}
          data-parts-total={resumePrompt.partsTotal}
          data-uploading-elsewhere={resumePrompt.uploadingElsewhere}
        >
          {prompt.message} <span className="upload-file-name-inline">{prompt.file}</span>
        </p>
      )}

      {/* Above the picker: choosing a file is usually the way forward. */}
      {failure && snapshot?.error && (
        <div role="alert" tabIndex={-1} className="notice notice-error" data-error-code={snapshot.error.code}>
          <p className="upload-failure">{failure.message}</p>
          {failure.detail && <p className="small upload-failure-detail">Details: {failure.detail}</p>}
        </div>
      )}

      {showPicker && (
        <div className="upload-picker">
          <label htmlFor={inputId}>Choose your video file</label>
          <input
            id={inputId}
            type="file"
            accept="video/*"
            onChange={chooseFile}
            disabled={!upload.canStart || canceling}
            aria-describedby={hintId}
          />
          <p id={hintId} className="muted small">
            The file goes straight from your browser to storage in parts. If the connection drops or you close the page,
            pick the same file again and only the missing parts are sent.
          </p>
          <GuestOwnershipNote>
            <p>To come back to this job — to finish the upload or collect your media — keep its link.</p>
            <CopyJobLink jobId={job._id} />
          </GuestOwnershipNote>
        </div>
      )}

      {refusal && (
        <p role="alert" className="notice notice-error" data-testid="upload-refusal">
          {refusal}
        </p>
      )}

      {snapshot && file && showProgress && <UploadProgress snapshot={snapshot} fileName={file.name} />}

      {(sending || prompt || retryFile) && (
        <div className="upload-actions">
          {sending &&
            (status === "paused" ? (
              <button type="button" className="button-primary upload-toggle" onClick={upload.resume}>
                Resume
              </button>
            ) : (
              <button
                type="button"
                className="upload-toggle"
                onClick={upload.pause}
                disabled={status === null || !PAUSABLE.includes(status)}
              >
                Pause
              </button>
            ))}
          {retryFile && (
            <button type="button" className="button-primary" onClick={() => upload.start(retryFile)} disabled={!upload.canStart}>
              Try again
            </button>
          )}
          {(sending || prompt) && (
            <ConfirmButton
              label="Cancel upload"
              question="Stop this upload? The job ends with it: the parts already sent are deleted, and to try again you start from the link."
              confirmLabel="Yes, stop the upload"
              busyLabel="Stopping…"
              keepLabel={sending ? "Keep uploading" : "Keep the upload"}
              onConfirm={cancel}
              // Storage is putting the parts together: the file is as good as uploaded.
              disabled={status === "completing"}
            />
          )}
        </div>
      )}

      {/* Not while the server has not heard of the cancel: the alert below says what happened. */}
      {status === "canceled" && snapshot?.error && !cancelProblem && (
        <p role="status" tabIndex={-1} className="notice" data-error-code="canceled">
          {describeUploadFailure(snapshot.error).message}
        </p>
      )}
      {cancelProblem && (
        <p role="alert" className="notice notice-error">
          {cancelProblem}
        </p>
      )}
      {status === "done" && file && (
        <p role="status" tabIndex={-1} className="notice notice-ok" data-testid="upload-done">
          Upload complete — “{file.name}” is stored. Processing starts on its own; the status above follows it.
        </p>
      )}
    </section>
  );
}
