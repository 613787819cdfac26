import type { SourceMeta } from "../../convex/lib/validators";
import { VideoThumbnail } from "./VideoThumbnail";

type Props = { videoId: string; sourceUrl: string; meta: SourceMeta | undefined };

export function SourceMetaCard({ videoId, sourceUrl, meta }: Props) {
  const title = meta?.title;
  return (
    <section className="card source-card" aria-label="YouTube video">
      <VideoThumbnail src={meta?.thumbnailUrl} />
      <div>
        <h1 className="source-title">{title ?? (meta ? "Title unavailable" : "Looking up the video…")}</h1>
        {meta?.authorName && <p className="muted">{meta.authorName}</p>}
        {meta?.source === "derived" && (
          <p className="muted small">YouTube did not share this video&apos;s details; the link itself is fine.</p>
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
