import { useCallback, useRef, useState, type SyntheticEvent } from "react";

/**
 * The URL a media element shows. Artifact URLs are refreshed every few minutes, but an
 * element that has loaded one keeps it (a new URL would download the file again and restart
 * playback); only when the element fails — its URL expired before a seek, say — does it move
 * to the freshest URL, asking for one if it has none newer.
 */
export function useStickySrc(latestUrl: string | undefined, refresh: () => void) {
  const [held, setHeld] = useState<{ src: string; failed: boolean } | null>(null);
  const src = held !== null && !held.failed ? held.src : latestUrl;

  /** Call from the element's load event (`load`, `loadedmetadata`) with the URL it loaded. */
  const onLoaded = useCallback((loadedSrc: string) => setHeld({ src: loadedSrc, failed: false }), []);

  /** Call from the element's `error` event. */
  const onFailed = useCallback(() => {
    setHeld((current) => current && { ...current, failed: true });
    // With a newer URL on hand the element switches to it; otherwise ask for one.
    if (held === null || held.failed || latestUrl === held.src) refresh();
  }, [held, latestUrl, refresh]);

  return { src, onLoaded, onFailed };
}

/**
 * `useStickySrc` for `<video>`/`<audio>`: after moving to a fresh URL the element carries on
 * from where it was, playing if it was playing.
 */
export function useStickyMediaSrc(latestUrl: string | undefined, refresh: () => void) {
  const { src, onLoaded, onFailed } = useStickySrc(latestUrl, refresh);
  const resume = useRef<{ time: number; play: boolean } | null>(null);

  const onLoadedMetadata = useCallback(
    (event: SyntheticEvent<HTMLMediaElement>) => {
      const element = event.currentTarget;
      const loadedSrc = element.getAttribute("src");
      if (loadedSrc !== null) onLoaded(loadedSrc);
      const pending = resume.current;
      resume.current = null;
      if (pending) {
        element.currentTime = pending.time;
        if (pending.play) void element.play().catch(() => undefined);
      }
    },
    [onLoaded],
  );

  const onError = useCallback(
    (event: SyntheticEvent<HTMLMediaElement>) => {
      const element = event.currentTarget;
      resume.current ??= { time: element.currentTime, play: !element.paused };
      onFailed();
    },
    [onFailed],
  );

  return { src, onLoadedMetadata, onError };
}
