"use client";

import { useQuery } from "convex/react";
import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { groupArtifacts, type ArtifactGroup, type ArtifactGroupId, type ArtifactView } from "@/lib/artifacts/artifactGroups";
import type { SignedUrl } from "@/lib/artifacts/artifactUrlCache";
import { useArtifactUrls } from "@/lib/artifacts/useArtifactUrls";
import { useStoryboardCues } from "@/lib/artifacts/useStoryboardCues";
import { useClipCaptionTrack } from "@/components/captions/JobCaptions";
import { AnimatedPreview } from "./AnimatedPreview";
import { ArtifactCard } from "./ArtifactCard";
import { ArtifactAudio, ArtifactImage, ArtifactVideo } from "./ArtifactMedia";
import { StoryboardScrubber } from "./StoryboardScrubber";

type ArtifactId = Id<"video_artifacts">;

/**
 * Players and storyboard sheets (wide strips of tiles) get cards wide enough to use: one per
 * row on a phone, where a two-column player is too small for its own controls.
 */
const LAYOUTS: Readonly<Record<ArtifactGroupId, string>> = {
  stills: "artifact-grid",
  preview: "artifact-grid",
  storyboard: "artifact-grid artifact-grid-wide",
  clips: "artifact-grid artifact-grid-wide",
  audio: "artifact-list",
};

type Urls = { urls: ReadonlyMap<ArtifactId, SignedUrl>; refresh: (id: ArtifactId) => void };

/** The job's artifacts, live: each one appears as soon as the worker records it. */
export function ArtifactGallery({ jobId }: { jobId: Id<"video_jobs"> }) {
  const artifacts = useQuery(api.artifacts.listForJob, { jobId });
  const ids = useMemo(() => (artifacts ?? []).map((artifact) => artifact._id), [artifacts]);
  const urls = useArtifactUrls(ids);
  if (!artifacts || artifacts.length === 0) return null;

  return (
    <section className="card gallery" aria-labelledby="gallery-heading">
      <h2 id="gallery-heading">Your media</h2>
      {groupArtifacts(artifacts).map((group) => (
        <section key={group.id} className="gallery-group" aria-labelledby={`gallery-${group.id}`}>
          <h3 id={`gallery-${group.id}`}>{group.title}</h3>
          {group.id === "storyboard" ? (
            <StoryboardGroup group={group} all={artifacts} {...urls} />
          ) : (
            <div className={LAYOUTS[group.id]}>
              {group.artifacts
                .filter((artifact) => artifact.kind !== "clip_poster")
                .map((artifact) => {
                  const poster = posterOf(artifact, artifacts);
                  return (
                    <ArtifactCard key={artifact._id} artifact={artifact} poster={poster}>
                      {artifact.kind === "preview" ? (
                        <PreviewPlayer artifact={artifact} all={artifacts} {...urls} />
                      ) : (
                        <ArtifactPlayer artifact={artifact} poster={poster} {...urls} />
                      )}
                    </ArtifactCard>
                  );
                })}
            </div>
          )}
        </section>
      ))}
    </section>
  );
}

/** The animated preview, paused onto the poster. */
function PreviewPlayer({ artifact, all, urls, refresh }: { artifact: ArtifactView; all: readonly ArtifactView[] } & Urls) {
  const poster = all.find((candidate) => candidate.kind === "poster");
  return (
    <AnimatedPreview
      preview={artifact}
      poster={poster}
      previewUrl={urls.get(artifact._id)?.url}
      posterUrl={poster && urls.get(poster._id)?.url}
      refresh={(shown) => refresh(shown._id)}
    />
  );
}

/** A clip's poster (its first frame), recorded as an artifact of its own with the clip's index. */
function posterOf(artifact: ArtifactView, all: readonly ArtifactView[]): ArtifactView | undefined {
  if (artifact.kind !== "clip") return undefined;
  return all.find((candidate) => candidate.kind === "clip_poster" && candidate.index === artifact.index);
}

function ArtifactPlayer({ artifact, poster, urls, refresh }: { artifact: ArtifactView; poster?: ArtifactView } & Urls) {
  const props = { artifact, url: urls.get(artifact._id)?.url, refresh: () => refresh(artifact._id) };
  switch (artifact.kind) {
    case "clip":
      return <HighlightClipPlayer {...props} poster={poster && urls.get(poster._id)?.url} />;
    case "audio":
      return <ArtifactAudio {...props} />;
    case "storyboard_vtt":
      return null;
    default:
      return <ArtifactImage {...props} />;
  }
}

function StoryboardGroup({ group, all, urls, refresh }: { group: ArtifactGroup; all: readonly ArtifactView[] } & Urls) {
  const vtt = group.artifacts.find((artifact) => artifact.kind === "storyboard_vtt");
  const sheets = group.artifacts.filter((artifact) => artifact.kind === "storyboard");
  const cues = useStoryboardCues(vtt && { id: vtt._id, url: urls.get(vtt._id)?.url }, refresh);
  const poster = all.find((artifact) => artifact.kind === "poster");

  return (
    <>
      {vtt && sheets.length > 0 && <StoryboardScrubber cues={cues} sheets={sheets} poster={poster} urls={urls} refresh={refresh} />}
      <div className={LAYOUTS.storyboard}>
        {group.artifacts.map((artifact) => (
          <ArtifactCard key={artifact._id} artifact={artifact}>
            <ArtifactPlayer artifact={artifact} urls={urls} refresh={refresh} />
          </ArtifactCard>
        ))}
      </div>
    </>
  );
}

/** A highlight clip, with the captions of its part of the video. */
function HighlightClipPlayer(props: { artifact: ArtifactView; url: string | undefined; refresh: () => void; poster: string | undefined }) {
  const { startSec, durationSec } = props.artifact;
  const track = useClipCaptionTrack(startSec !== undefined && durationSec !== undefined ? { startSec, endSec: startSec + durationSec } : undefined);
  return <ArtifactVideo {...props} captions={{ track, showing: true }} />;
}
