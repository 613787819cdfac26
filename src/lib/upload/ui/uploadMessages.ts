/**
 * What the upload panel says: why a chosen file cannot be uploaded, and what each way an
 * upload can end means for the user. Switches on codes, never on message text.
 */
import { serverErrorCode } from "../convex/convexUploadBackend";
import type { UploadError, UploadErrorCode } from "../core/uploadError";
import { formatBytes } from "../../format";
import type { ResumePrompt } from "./useResumableUpload";

export interface ChosenFile {
  name: string;
  size: number;
  type: string;
}

/**
 * Why the server would refuse this file before anything is sent, or null when it may go.
 * The server takes only `video/…` MIME types, which the browser derives from the extension.
 */
export function refuseChosenFile(file: ChosenFile): string | null {
  const type = file.type.trim().toLowerCase();
  if (!type.startsWith("video/")) {
    const what = type === "" ? "the browser cannot tell what kind of file it is" : `it is ${type}`;
    return `“${file.name}” is not a video file (${what}). Choose a video, for example an MP4, MOV or WebM file.`;
  }
  if (file.size === 0) return `“${file.name}” is empty. Choose the video file itself.`;
  return null;
}

export interface FailureDescription {
  /** A sentence a person understands, saying what to do next. */
  message: string;
  /** The technical reason, for support; null when the message says it all. */
  detail: string | null;
}

const KEPT = "The parts already sent are kept.";

/** Sentences for codes whose engine messages speak of parts, ETags and HTTP statuses. */
const PLAIN_WORDS: Partial<Record<UploadErrorCode, string>> = {
  network: `The connection kept dropping, so the upload stopped after several tries. Check your connection and try again. ${KEPT}`,
  storage_unavailable: `Storage is not answering right now. Try again in a few minutes. ${KEPT}`,
  storage_rejected:
    "Storage refused part of the file, and trying again will not change that. Start a new job, or contact support if it keeps happening.",
  missing_etag:
    "Storage received the file, but would not let the browser read its receipt for each part, so the upload cannot be finished. " +
    "This is a storage set-up problem (its CORS rule must expose the ETag header), not something you can fix — please tell the site's operator.",
  // Parts that kept arriving damaged, or storage refusing what was recorded: either way the
  // upload cannot be finished as it is.
  integrity:
    "Storage does not hold the file as it was sent, so this upload cannot be finished. Start again with the file; " +
    "if it keeps happening, something on your network may be altering uploads, so try another connection.",
  file_unreadable: "The browser can no longer read the file — it may have been moved, renamed or changed. Choose it again.",
  canceled: "Upload canceled. The parts sent so far are being deleted.",
  released: `This page stopped sending the file. ${KEPT}`,
};

export function describeUploadFailure(error: UploadError): FailureDescription {
  const plain = PLAIN_WORDS[error.code];
  if (plain !== undefined) return { message: plain, detail: plain === error.message ? null : error.message };
  // The server's own sentence (refusals carry their ConvexError as the cause).
  if (serverErrorCode(error) !== undefined) return { message: error.message, detail: null };
  switch (error.code) {
    case "file_mismatch":
    case "no_session":
      // The engine's sentence names what differs, or why there is nothing to resume.
      return { message: error.message, detail: null };
    default:
      return {
        message: error.retryable
          ? `The server could not take the next step of the upload. Try again in a moment. ${KEPT}`
          : "The server could not take the next step of the upload. Reload the page and try again.",
        detail: error.message,
      };
  }
}

/**
 * "Pick the same file again to continue — 12 of 40 parts are already uploaded. An upload left
 * for 24 hours without progress is cleared." (the hours are the session's `idleLimitHours`),
 * or, while another tab or device is sending the file, that this page follows along.
 */
export function describeResumePrompt(prompt: ResumePrompt): { message: string; file: string } {
  const noun = prompt.partsTotal === 1 ? "part" : "parts";
  const verb = prompt.partsUploaded === 1 ? "is" : "are";
  const counted = `${prompt.partsUploaded} of ${prompt.partsTotal} ${noun} ${verb}`;
  const hours = prompt.idleLimitHours === undefined ? undefined : Number(prompt.idleLimitHours.toFixed(1));
  const clearedAfter = hours === undefined ? "" : ` An upload left for ${hours} ${hours === 1 ? "hour" : "hours"} without progress is cleared.`;
  return {
    message: prompt.uploadingElsewhere
      ? `Another tab or device is uploading this file — ${counted} uploaded so far. This page follows along; pick the same file here only if that upload has stopped.`
      : `Pick the same file again to continue — ${counted} already uploaded.${clearedAfter}`,
    file: `${prompt.fileName} (${formatBytes(prompt.fileSize)})`,
  };
}
