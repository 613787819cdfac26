"use client";

import { useQuery } from "convex/react";
import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ClipView } from "../../../convex/lib/taskValidators";
import { ArtifactVideo } from "@/components/artifacts/ArtifactMedia";
import { useClipCaptionTrack } from "@/components/captions/JobCaptions";
import { DownloadArtifactButton } from "@/components/artifacts/DownloadArtifactButton";
import type { ArtifactView } from "@/lib/artifacts/artifactGroups";
import { useArtifactUrls } from "@/lib/artifacts/useArtifactUrls";
import { formatDuration } from "@/lib/format";

/** The clips the creator asked for, live: Waiting…, Rendering… with progress, then a player and its download. */
export function ClipList({ jobId }: { jobId: Id<"video_jobs"> }) {
  const clips = useQuery(api.clips.listForJob, { jobId });
  const artifacts = useQuery(api.artifacts.listForJob, { jobId });
  const made = useMemo(() => (artifacts ?? []).filter((artifact) => artifact.kind.startsWith("custom_clip")), [artifacts]);
  const ids = useMemo(() => made.map((artifact) => artifact._id), [made]);
  const { urls, refresh } = useArtifactUrls(ids);
  if (!clips || clips.length === 0) return null;

  return (
    <section className="card gallery" aria-labelledby="clips-heading">
      <h2 id="clips-heading">Your clips</h2>
      <div className="artifact-grid artifact-grid-wide">
        {clips.map((clip) => {
          const video = made.find((artifact) => artifact._id === clip.artifactId);
          const poster = video && made.find((artifact) => artifact.kind === "custom_clip_poster" && artifact.index === video.index);
          return (
            <article key={clip._id} className="artifact-card" data-testid={`clip-${clip.number}`} data-status={clip.status}>
              {video && (
                <CustomClipPlayer
                  clip={clip}
                  artifact={video}
                  url={urls.get(video._id)?.url}
                  refresh={() => refresh(video._id)}
                  poster={poster && urls.get(poster._id)?.url}
                />
              )}
              <div className="artifact-info">
                <h4 className="artifact-title">Your clip {clip.number}</h4>
                <p className="artifact-details">
                  {clip.aspect === "original" ? "Original shape" : clip.aspect} · {formatDuration(clip.startSec)}–{formatDuration(clip.endSec)}
                  {clip.captions && " · captions burned in"}
                </p>
                <ClipStatus clip={clip} />
                {video && (
                  <div className="artifact-downloads">
                    <DownloadArtifactButton artifact={video} />
                    {poster && <DownloadArtifactButton artifact={poster as ArtifactView} label={{ visible: "Download poster", hidden: ` of your clip ${clip.number}` }} />}
                  </div>
                )}
              </div>
            </article>
          );
        })}
      </div>
    </section>
  );
}

/** A clip's player, with the captions of its moment: offered, not shown, when they are burned into the picture. */
function CustomClipPlayer({ clip, ...media }: { clip: ClipView; artifact: ArtifactView; url: string | undefined; refresh: () => void; poster: string | undefined }) {
  const track = useClipCaptionTrack({ startSec: clip.startSec, endSec: clip.endSec });
  return <ArtifactVideo {...media} label={`Your clip ${clip.number}`} captions={{ track, showing: !clip.captions }} />;
}

function ClipStatus({ clip }: { clip: ClipView }) {
  switch (clip.status) {
    case "QUEUED":
      return <p role="status">Waiting…</p>;
    case "RENDERING":
      return (
        <p role="status">
          Rendering… <progress max={100} value={clip.progress ?? 0} aria-label={`Clip ${clip.number} rendering`} /> {clip.progress ?? 0}%
        </p>
      );
    case "READY":
      return null;
    case "FAILED":
      return (
        <p role="alert" className="artifact-error" data-failure-code={clip.failure?.code}>
          {clip.failure?.message ?? "This clip could not be made."}
        </p>
      );
  }
}
