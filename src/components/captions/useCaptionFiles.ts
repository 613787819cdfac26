import { useEffect, useState } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { transcriptSchema, type Transcript } from "../../../modal/worker/captions/transcript";

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
  const trackUrl = useFetched(vtt, refreshUrl, async (response) => URL.createObjectURL(new Blob([await response.text()], { type: "text/vtt" })));
  const parsed = useFetched(transcript, refreshUrl, async (response) => transcriptSchema.parse(await response.json()));
  useEffect(() => (trackUrl === undefined ? undefined : () => URL.revokeObjectURL(trackUrl)), [trackUrl]);
  return { trackUrl, transcript: parsed };
}

function useFetched<T>(
  file: { id: ArtifactId; url: string | undefined } | undefined,
  refreshUrl: (id: ArtifactId) => void,
  read: (response: Response) => Promise<T>,
): T | undefined {
  const [loaded, setLoaded] = useState<{ id: ArtifactId; value: T } | null>(null);
  const [failedUrl, setFailedUrl] = useState<string | undefined>(undefined);
  const id = file?.id;
  const url = file?.url;
  const have = loaded !== null && loaded.id === id;
  useEffect(() => {
    if (id === undefined || url === undefined || have || url === failedUrl) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then((response) => (response.ok ? read(response) : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then(
        (value) => setLoaded({ id, value }),
        () => {
          if (controller.signal.aborted) return;
          setFailedUrl(url);
          refreshUrl(id);
        },
      );
    return () => controller.abort();
    // `read` is a fresh closure each render; what it does never changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, url, have, failedUrl, refreshUrl]);
  return have ? loaded.value : undefined;
}
