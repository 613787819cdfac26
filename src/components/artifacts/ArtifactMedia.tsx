"use client";

import type { CSSProperties } from "react";
import { CaptionTrackElement, type CaptionTrack } from "@/components/captions/JobCaptions";
import { artifactTitle, type ArtifactView } from "@/lib/artifacts/artifactGroups";
import { useStickyMediaSrc, useStickySrc } from "./useStickySrc";

type MediaProps = { artifact: ArtifactView; url: string | undefined; refresh: () => void };

/** Reserves the artifact's own aspect ratio, so nothing moves when the media arrives. */
export function aspectRatioOf(size: { width?: number; height?: number }, fallback = "16 / 9"): CSSProperties {
  return { aspectRatio: size.width && size.height ? `${size.width} / ${size.height}` : fallback };
}

/** `alt`: when the image stands for something other than the artifact itself (a paused preview). */
export function ArtifactImage({ artifact, url, refresh, alt }: MediaProps & { alt?: string }) {
  const { src, onLoaded, onFailed } = useStickySrc(url, refresh);
  return (
    <div className="artifact-frame" style={aspectRatioOf(artifact)}>
      {src && (
        <img
          src={src}
          alt={alt ?? artifactTitle(artifact)}
          width={artifact.width}
          height={artifact.height}
          loading="lazy"
          onLoad={(e) => onLoaded(e.currentTarget.getAttribute("src") ?? src)}
          onError={onFailed}
        />
      )}
    </div>
  );
}

/**
 * `label`: the player's name when the artifact's own title would repeat another player's.
 * `captions`: its captions track, shown or only offered in the player's menu.
 */
export function ArtifactVideo({
  artifact,
  url,
  refresh,
  poster,
  label,
  captions,
}: MediaProps & { poster?: string; label?: string; captions?: { track: CaptionTrack | undefined; showing: boolean } }) {
  const { src, onLoadedMetadata, onError } = useStickyMediaSrc(url, refresh);
  return (
    <div className="artifact-frame" style={aspectRatioOf(artifact)}>
      <video
        src={src}
        poster={poster}
        controls
        playsInline
        preload="metadata"
        aria-label={label ?? artifactTitle(artifact)}
        onLoadedMetadata={onLoadedMetadata}
        onError={onError}
      >
        {captions?.track && <CaptionTrackElement track={captions.track} showing={captions.showing} />}
      </video>
    </div>
  );
}

/** `preload="metadata"`: the player shows the track's length before it is played. */
export function ArtifactAudio({ artifact, url, refresh }: MediaProps) {
  const { src, onLoadedMetadata, onError } = useStickyMediaSrc(url, refresh);
  return (
    <audio
      className="artifact-audio"
      src={src}
      controls
      preload="metadata"
      aria-label={artifactTitle(artifact)}
      onLoadedMetadata={onLoadedMetadata}
      onError={onError}
    />
  );
}
