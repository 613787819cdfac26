import { useAction } from "convex/react";
import { useEffect, useState, useSyncExternalStore } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { ArtifactUrlCache, type SignedUrl } from "./artifactUrlCache";

type ArtifactId = Id<"video_artifacts">;

const NO_URLS: ReadonlyMap<ArtifactId, SignedUrl> = new Map();

/**
 * Display URLs for a job's artifacts (`artifacts.getDownloadUrl`, five minutes each): fetched
 * when an artifact appears, refreshed before they expire while the page is visible, and
 * fetched again on demand with `refresh(id)` when an element fails to load one. Downloads do
 * not use these: they ask for a URL at click time.
 */
export function useArtifactUrls(artifactIds: readonly ArtifactId[]): {
  urls: ReadonlyMap<ArtifactId, SignedUrl>;
  refresh: (artifactId: ArtifactId) => void;
} {
  const getDownloadUrl = useAction(api.artifacts.getDownloadUrl);
  const [cache] = useState(() => new ArtifactUrlCache<ArtifactId>((artifactId) => getDownloadUrl({ artifactId })));

  const idsKey = artifactIds.join(",");
  useEffect(() => {
    cache.track(idsKey === "" ? [] : (idsKey.split(",") as ArtifactId[]));
  }, [cache, idsKey]);

  useEffect(() => {
    const followVisibility = () => cache.setActive(document.visibilityState === "visible");
    followVisibility();
    document.addEventListener("visibilitychange", followVisibility);
    return () => {
      document.removeEventListener("visibilitychange", followVisibility);
      cache.setActive(false);
    };
  }, [cache]);

  const urls = useSyncExternalStore(cache.subscribe, cache.getSnapshot, () => NO_URLS);
  return { urls, refresh: cache.refresh };
}
