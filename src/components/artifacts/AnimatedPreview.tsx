"use client";

import { useState } from "react";
import type { ArtifactView } from "@/lib/artifacts/artifactGroups";
import { ArtifactImage, aspectRatioOf } from "./ArtifactMedia";

type Props = {
  preview: ArtifactView;
  /** Shown while the preview is paused: the poster, a still of the same video. */
  poster: ArtifactView | undefined;
  previewUrl: string | undefined;
  posterUrl: string | undefined;
  refresh: (artifact: ArtifactView) => void;
};

const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";

/**
 * The animated preview (a looping animated WebP) with a Pause/Play button: motion that runs on
 * its own for more than five seconds must be stoppable (WCAG 2.2.2). An `<img>` cannot pause an
 * animation, so paused shows the poster. Starts paused when the system asks for less motion.
 */
export function AnimatedPreview({ preview, poster, previewUrl, posterUrl, refresh }: Props) {
  // The gallery renders in the browser only (its data comes from a live query), so the media
  // query can be read at once.
  const [playing, setPlaying] = useState(() => typeof window === "undefined" || !window.matchMedia?.(REDUCED_MOTION).matches);

  return (
    <div className="animated-preview">
      {/* Keyed: each image holds on to the URL it loaded (useStickySrc), so they must not share state. */}
      {playing ? (
        <ArtifactImage key={preview._id} artifact={preview} url={previewUrl} refresh={() => refresh(preview)} />
      ) : poster ? (
        <ArtifactImage key={poster._id} artifact={poster} url={posterUrl} refresh={() => refresh(poster)} alt="Animated preview (paused)" />
      ) : (
        <div className="artifact-frame" style={aspectRatioOf(preview)} />
      )}
      {/* The label says what pressing does; no aria-pressed, which with a changing label reads backwards. */}
      <button type="button" onClick={() => setPlaying((now) => !now)}>
        {playing ? "Pause preview" : "Play preview"}
      </button>
    </div>
  );
}
