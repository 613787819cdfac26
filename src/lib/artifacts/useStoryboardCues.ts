import { useEffect, useState } from "react";
import { parseStoryboardVtt, type StoryboardCue } from "./storyboardVtt";

/**
 * The storyboard's cues, fetched once from the `storyboard_vtt` artifact's URL. A fetch that
 * fails (say the URL expired on the way) asks for a fresh URL and tries that one.
 * `undefined` until loaded.
 */
export function useStoryboardCues<Id extends string>(
  vtt: { id: Id; url: string | undefined } | undefined,
  refreshUrl: (id: Id) => void,
): readonly StoryboardCue[] | undefined {
  const [loaded, setLoaded] = useState<{ id: Id; cues: StoryboardCue[] } | null>(null);
  const [failedUrl, setFailedUrl] = useState<string | undefined>(undefined);
  const id = vtt?.id;
  const url = vtt?.url;
  const have = loaded !== null && loaded.id === id;

  useEffect(() => {
    if (id === undefined || url === undefined || have || url === failedUrl) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then(
        (text) => setLoaded({ id, cues: parseStoryboardVtt(text) }),
        () => {
          if (controller.signal.aborted) return;
          setFailedUrl(url);
          refreshUrl(id);
        },
      );
    return () => controller.abort();
  }, [id, url, have, failedUrl, refreshUrl]);

  return have ? loaded.cues : undefined;
}
