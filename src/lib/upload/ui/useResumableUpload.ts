/**
 * The upload engine for one job in React: starts, pauses, resumes and cancels it, renders its
 * snapshot through `useSyncExternalStore`, and watches the server's session so that an upload
 * left unfinished (a reload, another tab) is resumed rather than started again.
 */
import { useConvex, useQuery } from "convex/react";
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { api } from "../../../../convex/_generated/api";
import type { Id } from "../../../../convex/_generated/dataModel";
import type { JobStatus } from "../../../../convex/lib/jobStatus";
import { createConvexUploadBackend } from "../convex/convexUploadBackend";
import type { Crc32cImplementation } from "../checksums/crc32c";
import { Crc32cPartChecksums } from "../checksums/crc32cPartChecksums";
import { createUpload, resumeUpload, type ResumableUpload, type UploadSnapshot, type UploadStatus } from "../index";
import { PartsReportedHere } from "../convex/partsReportedHere";
import { useUploadingElsewhere } from "./useUploadingElsewhere";

/** Job statuses in which the server holds an unfinished upload that only the file can continue. */
const UNFINISHED: readonly JobStatus[] = ["UPLOAD_READY", "UPLOADING"];
const ENDED: readonly UploadStatus[] = ["done", "failed", "canceled", "released"];

export interface ResumePrompt {
  fileName: string;
  fileSize: number;
  partsUploaded: number;
  partsTotal: number;
  /** Another tab or device is sending the file now: its parts keep arriving while this tab watches. */
  uploadingElsewhere: boolean;
  /** How long the upload may sit idle before the server clears it (unknown from an older backend). */
  idleLimitHours?: number;
}

export interface ResumableUploadControls {
  /** The latest snapshot of this tab's upload; null before a file was chosen. */
  snapshot: UploadSnapshot | null;
  /** This tab's upload has started and not ended (done, failed, canceled or released). */
  sending: boolean;
  /** The file this tab's upload sends. */
  file: File | null;
  /** The server's unfinished upload, while this tab is not sending: the user picks the file again. */
  resumePrompt: ResumePrompt | null;
  /** False while an upload runs, and while the server's session is still loading. */
  canStart: boolean;
  /**
   * Which CRC32C implementation computed the parts' checksums: "wasm", or "js" where the page may
   * not compile WebAssembly (a Content-Security-Policy without 'wasm-unsafe-eval'); null before the first.
   */
  checksumImplementation: Crc32cImplementation | null;
  /** Uploads `file`: continues the server's unfinished upload when there is one, else starts one. */
  start(file: File): void;
  pause(): void;
  resume(): void;
  /** Stops this tab's upload, or the unfinished one on the server, and deletes its parts. */
  cancel(): Promise<void>;
}

export interface ResumableUploadOptions {
  /**
   * Whether the job may hold an unfinished upload (UPLOAD_READY or UPLOADING). When false no
   * session is read and a file starts a new upload. Default true.
   */
  watchSession?: boolean;
}

type Running = { engine: ResumableUpload; file: File };

export function useResumableUpload(jobId: string, options: ResumableUploadOptions = {}): ResumableUploadControls {
  const { watchSession = true } = options;
  const convex = useConvex();
  // This tab's own late reports must not read as another device sending (see the class).
  const [reportedHere] = useState(() => new PartsReportedHere());
  const backend = useMemo(() => reportedHere.watch(createConvexUploadBackend(convex)), [convex, reportedHere]);
  const [running, setRunning] = useState<Running | null>(null);
  const [checksumImplementation, setChecksumImplementation] = useState<Crc32cImplementation | null>(null);

  const subscribe = useCallback(
    (onChange: () => void) => (running ? running.engine.subscribe(onChange) : () => {}),
    [running],
  );
  const getSnapshot = useCallback(() => running?.engine.getSnapshot() ?? null, [running]);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  const sending = snapshot !== null && !ENDED.includes(snapshot.status);

  // Live, but not while this tab sends: every recorded part would wake the subscription.
  const session = useQuery(
    api.uploads.uploadSession,
    watchSession && !sending ? { jobId: jobId as Id<"video_jobs"> } : "skip",
  );
  const unfinished = watchSession && session != null && UNFINISHED.includes(session.status) ? session : null;
  const canStart = !sending && (!watchSession || session !== undefined);
  const uploadingElsewhere = useUploadingElsewhere(unfinished && !sending ? reportedHere.countOthers(jobId, unfinished.partsRecorded) : null);

  // Leaving the page section stops this page's work (sending, checksums, signing) but not the
  // upload: the server keeps the parts for a resume.
  useEffect(() => () => running?.engine.release(), [running]);

  const start = useCallback(
    (file: File) => {
      if (!canStart) return;
      const dependencies = { backend, checksums: new Crc32cPartChecksums(setChecksumImplementation) };
      const engine = unfinished ? resumeUpload(file, jobId, dependencies) : createUpload(file, jobId, dependencies);
      setRunning({ engine, file });
      // The snapshot carries the outcome; the promise only needs a handler.
      engine.start().catch(() => {});
    },
    [backend, canStart, jobId, unfinished],
  );

  const cancel = useCallback(async () => {
    if (running && sending) {
      await running.engine.cancel();
    } else if (unfinished) {
      await backend.abortUpload({ jobId });
    }
  }, [backend, jobId, running, sending, unfinished]);

  return {
    snapshot,
    sending,
    file: running?.file ?? null,
    resumePrompt:
      unfinished && !sending
        ? {
            fileName: unfinished.fingerprint.name,
            fileSize: unfinished.fingerprint.size,
            partsUploaded: unfinished.partsRecorded,
            partsTotal: unfinished.partCount,
            uploadingElsewhere,
            ...(unfinished.idleLimitHours === undefined ? {} : { idleLimitHours: unfinished.idleLimitHours }),
          }
        : null,
    canStart,
    checksumImplementation,
    start,
    pause: useCallback(() => running?.engine.pause(), [running]),
    resume: useCallback(() => running?.engine.resume(), [running]),
    cancel,
  };
}
