/** The artifacts a processed job produces. Pure, shared with the worker and the UI. */
export const ARTIFACT_KINDS = [
  "poster",
  "thumbnail",
  "preview",
  "storyboard",
  "storyboard_vtt",
  "clip",
  /** One per clip, `index` as the clip's: the clip's first frame, its player's poster. */
  "clip_poster",
  "audio",
] as const;

export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const ARTIFACT_FILE_EXTENSIONS: Readonly<Record<ArtifactKind, string>> = {
  poster: "jpg",
  thumbnail: "jpg",
  preview: "webp",
  storyboard: "jpg",
  storyboard_vtt: "vtt",
  clip: "mp4",
  clip_poster: "jpg",
  audio: "m4a",
};

export const ARTIFACT_CONTENT_TYPES: Readonly<Record<ArtifactKind, string>> = {
  poster: "image/jpeg",
  thumbnail: "image/jpeg",
  preview: "image/webp",
  storyboard: "image/jpeg",
  storyboard_vtt: "text/vtt",
  clip: "video/mp4",
  clip_poster: "image/jpeg",
  audio: "audio/mp4",
};

/** Deterministic, so a retried job overwrites rather than duplicates. */
export function artifactKey(jobId: string, kind: ArtifactKind, index: number): string {
  return `artifacts/${jobId}/${kind}/${index}.${ARTIFACT_FILE_EXTENSIONS[kind]}`;
}
