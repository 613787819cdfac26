import type { UploadSnapshot, UploadStatus } from "@/lib/upload";
import { formatBytes } from "@/lib/format";
import { formatEta, formatSpeed, progressPercent } from "@/lib/upload/ui/uploadFigures";

const STATUS_LABELS: Record<UploadStatus, string> = {
  idle: "Starting…",
  preparing: "Checking the file…",
  uploading: "Uploading",
  paused: "Paused",
  offline: "Waiting for the network…",
  completing: "Finishing…",
  done: "Uploaded",
  failed: "Stopped",
  canceled: "Canceled",
  released: "Stopped on this page",
};

/** An upload that stopped for good: its parts in flight were cut, so only stored bytes count. */
const STOPPED: readonly UploadStatus[] = ["failed", "canceled", "released"];

/**
 * The bar and its figures. Every row is always rendered with fixed-width numerals, so nothing
 * moves while the numbers change. While the upload runs (or is paused) the bar counts bytes sent,
 * never going back; once it stopped for good it shows the parts storage took ("Stored" after a
 * failure or a release, where a new upload of the same file continues from; "Sent" after a cancel, whose
 * parts are being deleted).
 */
export function UploadProgress({ snapshot, fileName }: { snapshot: UploadSnapshot; fileName: string }) {
  const stopped = STOPPED.includes(snapshot.status);
  const shownBytes = stopped ? snapshot.bytesConfirmed : snapshot.bytesUploaded;
  const percent = stopped
    ? progressPercent(snapshot.bytesTotal > 0 ? (100 * shownBytes) / snapshot.bytesTotal : 0, false)
    : progressPercent(snapshot.percent, snapshot.status === "done");
  const uploaded = `${formatBytes(shownBytes)} of ${formatBytes(snapshot.bytesTotal)}`;
  const measuring = snapshot.status === "uploading";
  return (
    <div className="upload-progress">
      <div className="upload-progress-head">
        <span className="upload-file-name" title={fileName}>
          {fileName}
        </span>
        <span className="upload-state" aria-live="polite">
          {STATUS_LABELS[snapshot.status]}
        </span>
      </div>
      <div
        className="upload-track"
        role="progressbar"
        aria-label="Upload progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}% — ${uploaded}`}
        data-bytes-uploaded={snapshot.bytesUploaded}
        data-bytes-stored={snapshot.bytesConfirmed}
      >
        <div className="upload-fill" style={{ transform: `scaleX(${percent / 100})` }} />
      </div>
      <dl className="upload-figures">
        <div className="upload-figure upload-figure-bytes">
          <dt>{snapshot.status === "canceled" ? "Sent" : stopped ? "Stored" : "Uploaded"}</dt>
          <dd>
            <span className="upload-percent">{percent}%</span> · {uploaded}
          </dd>
        </div>
        <div className="upload-figure">
          <dt>Speed</dt>
          <dd>{measuring ? formatSpeed(snapshot.bytesPerSecond) : "—"}</dd>
        </div>
        <div className="upload-figure">
          <dt>Time left</dt>
          <dd>{measuring ? formatEta(snapshot.etaSeconds) : "—"}</dd>
        </div>
      </dl>
    </div>
  );
}
