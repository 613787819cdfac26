import type { JobStatus } from "../../convex/lib/jobStatus";
import type { SourceMeta } from "../../convex/lib/validators";
import { jobTitle } from "@/lib/jobs/jobTitle";
import { VideoThumbnail } from "./VideoThumbnail";

type Props = { videoId: string; sourceUrl: string; status: JobStatus; meta: SourceMeta | undefined };

export function SourceMetaCard({ videoId, sourceUrl, status, meta }: Props) {
  return (
    <section className="card source-card" aria-label="YouTube video">
      <VideoThumbnail src={meta?.thumbnailUrl} />
      <div>
        <h1 className="source-title" tabIndex={-1}>
          {jobTitle(status, meta)}
        </h1>
        {meta?.authorName && <p className="muted">{meta.authorName}</p>}
        {meta?.source === "derived" && (
          <p className="muted small">Reeldrop could not get this video&apos;s details from YouTube.</p>
        )}
        <p className="small">
          <a href={sourceUrl} rel="noopener noreferrer" target="_blank">
            youtube.com/watch?v={videoId}
          </a>
        </p>
      </div>
    </section>
  );
}
