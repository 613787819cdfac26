/**
 * The name a downloaded artifact is saved under: the video's title (or its YouTube id), what
 * the artifact is, and its number as the page counts them, e.g.
 * `never-gonna-give-you-up-thumbnail-2.jpg`. Plain ASCII letters, digits and hyphens, so it
 * survives every file system and the `Content-Disposition` header as it is.
 */
const TITLE_PART_MAX = 60;

const KIND_NAMES: Readonly<Record<string, string>> = {
  storyboard: "storyboard-sheet",
  storyboard_vtt: "storyboard-index",
};

export function artifactDownloadName(
  artifact: { kind: string; index: number; r2Key: string },
  video: { title?: string; videoId: string },
): string {
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(artifact.r2Key)?.[1]?.toLowerCase();
  const kind = KIND_NAMES[artifact.kind] ?? artifact.kind.replace(/_/g, "-");
  const base = `${slug(video.title) || slug(video.videoId) || "video"}-${kind}-${artifact.index + 1}`;
  return extension ? `${base}.${extension}` : base;
}

function slug(text: string | undefined): string {
  if (text === undefined) return "";
  const words = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (words.length <= TITLE_PART_MAX) return words;
  // Cut between words where there is a break to cut at.
  const lastBreak = words.slice(0, TITLE_PART_MAX + 1).lastIndexOf("-");
  return words.slice(0, lastBreak > 0 ? lastBreak : TITLE_PART_MAX);
}
