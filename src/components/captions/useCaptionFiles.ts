import { useEffect } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { transcriptSchema, type Transcript } from "../../../modal/worker/captions/transcript";
import { useFetchedArtifact } from "@/lib/artifacts/useFetchedArtifact";

type ArtifactId = Id<"video_artifacts">;

/**
 * The captions' files, fetched once from their artifact URLs: the WebVTT as a `blob:` URL (the
 * player's `<track>` then needs no CORS of its own) and the transcript, parsed. A fetch that
 * fails asks for a fresh URL (`refreshUrl`) and tries that one. `undefined` until loaded.
 */
export function useCaptionFiles(
  vtt: { id: ArtifactId; url: string | undefined } | undefined,
  transcript: { id: ArtifactId; url: string | undefined } | undefined,
  refreshUrl: (id: ArtifactId) => void,
): { trackUrl: string | undefined; transcript: Transcript | undefined } {
  const trackUrl = useFetchedArtifact(vtt, refreshUrl, async (response) => URL.createObjectURL(new Blob([await response.text()], { type: "text/vtt" })));
  const parsed = useFetchedArtifact(transcript, refreshUrl, async (response) => transcriptSchema.parse(await response.json()));
  useEffect(() => (trackUrl === undefined ? undefined : () => URL.revokeObjectURL(trackUrl)), [trackUrl]);
  return { trackUrl, transcript: parsed };
}
