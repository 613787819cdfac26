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
  /** A clip the creator asked for (`clips.requestClip`), `index` as its task's: rendered after READY. */
  "custom_clip",
  /** One per custom clip, its first frame, as `clip_poster` is for a highlight clip. */
  "custom_clip_poster",
  /** Captions of the whole video (a `captions` task after READY, index 0): WebVTT from the transcript. */
  "captions_vtt",
  /** The same task's transcript: language, segments and words with times (`modal/worker/captions/transcript.ts`). */
  "transcript",
] as const;

export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** What a task makes after READY (on request, or captions on its own); the rest is what processing a job makes. */
export const TASK_ARTIFACT_KINDS = ["custom_clip", "custom_clip_poster", "captions_vtt", "transcript"] as const satisfies readonly ArtifactKind[];
export const JOB_ARTIFACT_KINDS: readonly ArtifactKind[] = ARTIFACT_KINDS.filter(
  (kind) => !(TASK_ARTIFACT_KINDS as readonly ArtifactKind[]).includes(kind),
);

export const ARTIFACT_FILE_EXTENSIONS: Readonly<Record<ArtifactKind, string>> = {
  poster: "jpg",
  thumbnail: "jpg",
  preview: "webp",
  storyboard: "jpg",
  storyboard_vtt: "vtt",
  clip: "mp4",
  clip_poster: "jpg",
  audio: "m4a",
  custom_clip: "mp4",
  custom_clip_poster: "jpg",
  captions_vtt: "vtt",
  transcript: "json",
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
  custom_clip: "video/mp4",
  custom_clip_poster: "image/jpeg",
  captions_vtt: "text/vtt",
  transcript: "application/json",
};

/** Deterministic, so a retried job overwrites rather than duplicates. */
export function artifactKey(jobId: string, kind: ArtifactKind, index: number): string {
  return `artifacts/${jobId}/${kind}/${index}.${ARTIFACT_FILE_EXTENSIONS[kind]}`;
}
