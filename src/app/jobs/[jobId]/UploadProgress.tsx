import type { UploadSnapshot, UploadStatus } from "@/lib/upload";
import { formatBytes } from "@/lib/format";
import { formatEta, formatSpeed, progressPercent } from "@/lib/upload/uploadFigures";

const STATUS_LABELS: Record<UploadStatus, string> = {
  idle: "Starting…",
  hashing: "Checking the file…",
  uploading: "Uploading",
  paused: "Paused",
  offline: "Waiting for the network…",
  completing: "Finishing…",
  done: "Uploaded",
  failed: "Stopped",
  canceled: "Canceled",
};

/**
 * The bar and its figures. Every row is always rendered with fixed-width numerals, so nothing
 * moves while the numbers change.
 */
export function UploadProgress({ snapshot, fileName }: { snapshot: UploadSnapshot; fileName: string }) {
  const percent = progressPercent(snapshot.percent, snapshot.status === "done");
  const uploaded = `${formatBytes(snapshot.bytesUploaded)} of ${formatBytes(snapshot.bytesTotal)}`;
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
      >
        <div className="upload-fill" style={{ transform: `scaleX(${percent / 100})` }} />
      </div>
      <dl className="upload-figures">
        <div className="upload-figure upload-figure-bytes">
          <dt>Uploaded</dt>
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
