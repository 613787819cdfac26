/**
 * How the gallery arranges a job's artifacts: groups by kind, in a fixed order, each
 * artifact with a title and a line of details. Pure.
 */
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import type { ArtifactKind } from "../../../convex/lib/artifactKinds";
import { formatBytes, formatDimensions, formatDuration } from "../format";

export type ArtifactView = NonNullable<FunctionReturnType<typeof api.artifacts.listForJob>>[number];

export type ArtifactGroupId = "stills" | "preview" | "storyboard" | "clips" | "audio";

export const ARTIFACT_GROUPS: readonly { id: ArtifactGroupId; title: string; kinds: readonly ArtifactKind[] }[] = [
  { id: "stills", title: "Poster and thumbnails", kinds: ["poster", "thumbnail"] },
  { id: "preview", title: "Animated preview", kinds: ["preview"] },
  { id: "storyboard", title: "Storyboard", kinds: ["storyboard", "storyboard_vtt"] },
  // A clip's poster is shown as its player's picture, on the clip's card.
  { id: "clips", title: "Highlight clips", kinds: ["clip", "clip_poster"] },
  { id: "audio", title: "Audio track", kinds: ["audio"] },
];

export type ArtifactGroup = { id: ArtifactGroupId; title: string; artifacts: ArtifactView[] };

/** The groups that have artifacts, in gallery order; within a group by kind, then index. */
export function groupArtifacts(artifacts: readonly ArtifactView[]): ArtifactGroup[] {
  return ARTIFACT_GROUPS.map(({ id, title, kinds }) => ({
    id,
    title,
    artifacts: artifacts
      .filter((artifact) => kinds.includes(artifact.kind))
      .sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.index - b.index),
  })).filter((group) => group.artifacts.length > 0);
}

/** A short name a person reads, numbered from 1. */
export function artifactTitle({ kind, index }: Pick<ArtifactView, "kind" | "index">): string {
  switch (kind) {
    case "poster":
      return index === 0 ? "Poster" : `Poster ${index + 1}`;
    case "thumbnail":
      return `Thumbnail ${index + 1}`;
    case "preview":
      return index === 0 ? "Animated preview" : `Animated preview ${index + 1}`;
    case "storyboard":
      return `Storyboard sheet ${index + 1}`;
    case "storyboard_vtt":
      return "Storyboard index (WebVTT)";
    case "clip":
      return `Clip ${index + 1}`;
    case "clip_poster":
      return `Poster of clip ${index + 1}`;
    case "audio":
      return index === 0 ? "Audio track" : `Audio track ${index + 1}`;
    // Not in a group: the clips the creator asked for have their own section (ClipsSection).
    case "custom_clip":
      return `Your clip ${index + 1}`;
    case "custom_clip_poster":
      return `Poster of your clip ${index + 1}`;
    // Not in a group either: the captions section shows them (CaptionsSection).
    case "captions_vtt":
      return "Captions (WebVTT)";
    case "transcript":
      return "Transcript (JSON)";
  }
}

/** Dimensions, duration or the stretch of the video it comes from, and size, as short phrases. */
export function artifactDetails(artifact: ArtifactView): string[] {
  const details: string[] = [];
  if (artifact.width !== undefined && artifact.height !== undefined) {
    details.push(formatDimensions(artifact.width, artifact.height));
  }
  const { startSec, durationSec } = artifact;
  if (startSec !== undefined && durationSec !== undefined) {
    // A clip or a storyboard sheet: the stretch of the video it covers.
    details.push(`${formatDuration(startSec)}–${formatDuration(startSec + durationSec)}`);
  } else if (startSec !== undefined) {
    details.push(`at ${formatDuration(startSec)}`);
  } else if (durationSec !== undefined && artifact.kind !== "storyboard_vtt") {
    // The VTT's duration is the video's, not its own.
    details.push(formatDuration(durationSec));
  }
  details.push(formatBytes(artifact.bytes));
  return details;
}

export function artifactTestId({ kind, index }: Pick<ArtifactView, "kind" | "index">): string {
  return `artifact-${kind}-${index}`;
}

export function artifactDownloadTestId({ kind, index }: Pick<ArtifactView, "kind" | "index">): string {
  return `artifact-download-${kind}-${index}`;
}
