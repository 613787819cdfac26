import { useEffect, useState } from "react";

/**
 * An artifact's file fetched once from its display URL and read by `read` (text, JSON …),
 * kept per artifact id. A fetch that fails (say the URL expired on the way) asks for a fresh
 * URL (`refreshUrl`) and tries that one. `undefined` until loaded. `read` must not change what
 * it does between renders (it is not a dependency).
 */
export function useFetchedArtifact<Id extends string, T>(
  file: { id: Id; url: string | undefined } | undefined,
  refreshUrl: (id: Id) => void,
  read: (response: Response) => Promise<T>,
): T | undefined {
  const [loaded, setLoaded] = useState<{ id: Id; value: T } | null>(null);
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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `read` is a fresh closure each render, doing the same
  }, [id, url, have, failedUrl, refreshUrl]);

  return have ? loaded.value : undefined;
}
