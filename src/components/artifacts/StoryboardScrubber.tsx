"use client";

import { useId, useState, type KeyboardEvent, type PointerEvent } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ArtifactView } from "@/lib/artifacts/artifactGroups";
import type { SignedUrl } from "@/lib/artifacts/artifactUrlCache";
import {
  cueAt,
  cueIndexAt,
  sheetSize,
  storyboardDurationSec,
  tileBackground,
  type StoryboardCue,
} from "@/lib/artifacts/storyboardVtt";
import { formatDuration } from "@/lib/format";
import { ArtifactImage, aspectRatioOf } from "./ArtifactMedia";

type ArtifactId = Id<"video_artifacts">;

type Props = {
  cues: readonly StoryboardCue[] | undefined;
  sheets: readonly ArtifactView[];
  /** Shown in the frame when not scrubbing. */
  poster: ArtifactView | undefined;
  urls: ReadonlyMap<ArtifactId, SignedUrl>;
  refresh: (id: ArtifactId) => void;
};

const PAGE_STEP_CUES = 10;
/** Pictures in the filmstrip, evenly spread over the whole video. */
const FILMSTRIP_FRAMES = 8;

/**
 * The storyboard as a scrub preview of the whole video: a filmstrip of it under a frame that
 * shows the poster; moving along the strip (pointer, touch, or arrow keys once focused) shows
 * that moment's storyboard tile in the frame.
 */
export function StoryboardScrubber({ cues, sheets, poster, urls, refresh }: Props) {
  const [timeSec, setTimeSec] = useState(0);
  const [hovering, setHovering] = useState(false);
  /** Keyboard focus is on the bar (and Escape has not hidden the tile since). */
  const [focused, setFocused] = useState(false);
  const hintId = useId();

  const ready = cues !== undefined && cues.length > 0;
  const durationSec = ready ? storyboardDurationSec(cues) : 0;
  const cueIndex = ready ? cueIndexAt(cues, timeSec) : -1;
  const cue = ready ? cues[cueIndex] : undefined;
  const showing = cue !== undefined && (hovering || focused);
  const firstTile = ready ? cues[0] : undefined;
  const frameSize = poster ?? firstTile ?? {};

  function scrubTo(event: PointerEvent<HTMLDivElement>) {
    if (!ready) return;
    const bounds = event.currentTarget.getBoundingClientRect();
    const fraction = bounds.width > 0 ? (event.clientX - bounds.left) / bounds.width : 0;
    setTimeSec(Math.min(durationSec, Math.max(0, fraction * durationSec)));
    setHovering(true);
  }

  function stepWithKeys(event: KeyboardEvent<HTMLDivElement>) {
    if (!ready) return;
    if (event.key === "Escape") {
      setFocused(false);
      setHovering(false);
      return;
    }
    const last = cues.length - 1;
    const target = {
      ArrowRight: cueIndex + 1,
      ArrowUp: cueIndex + 1,
      ArrowLeft: cueIndex - 1,
      ArrowDown: cueIndex - 1,
      PageUp: cueIndex + PAGE_STEP_CUES,
      PageDown: cueIndex - PAGE_STEP_CUES,
      Home: 0,
      End: last,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    setFocused(true);
    setTimeSec(cues[Math.min(last, Math.max(0, target))]!.startSec);
  }

  /** The tile's picture: its part of its sheet, as a background at any rendered size. */
  const tileStyle = (shown: StoryboardCue) => {
    const sheet = sheets.find((artifact) => artifact.index === shown.sheetIndex);
    const sheetUrl = sheet ? urls.get(sheet._id)?.url : undefined;
    return {
      aspectRatio: `${shown.width} / ${shown.height}`,
      ...(sheet && sheetUrl
        ? { backgroundImage: `url("${sheetUrl}")`, ...tileBackground(shown, sheetSize(cues ?? [], shown.sheetIndex, sheet)) }
        : {}),
    };
  };
  const filmstrip = ready
    ? Array.from({ length: FILMSTRIP_FRAMES }, (_, index) => cueAt(cues, ((index + 0.5) * durationSec) / FILMSTRIP_FRAMES)!)
    : [];

  return (
    <div className="storyboard">
      <div className="storyboard-stage">
        {poster ? (
          <ArtifactImage artifact={poster} url={urls.get(poster._id)?.url} refresh={() => refresh(poster._id)} />
        ) : (
          <div className="artifact-frame" style={aspectRatioOf(frameSize)} />
        )}
        {showing && (
          <div className="storyboard-overlay" aria-hidden="true">
            <div className="storyboard-tile" style={tileStyle(cue)} />
            <span className="storyboard-time">{formatDuration(cue.startSec)}</span>
          </div>
        )}
      </div>
      <div
        className="storyboard-track"
        role="slider"
        tabIndex={0}
        aria-label="Storyboard preview of the whole video"
        aria-disabled={!ready}
        aria-valuemin={0}
        aria-valuemax={Math.round(durationSec)}
        aria-valuenow={Math.round(cue?.startSec ?? 0)}
        aria-valuetext={ready ? `${formatDuration(cue?.startSec ?? 0)} of ${formatDuration(durationSec)}` : "Loading the storyboard"}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          scrubTo(event);
        }}
        onPointerMove={scrubTo}
        onPointerLeave={() => setHovering(false)}
        onPointerUp={(event) => {
          if (event.pointerType !== "mouse") setHovering(false);
        }}
        onKeyDown={stepWithKeys}
        // Only keyboard focus shows the tile: a click or tap also focuses the bar, and the tile
        // would then cover the player until focus moved on.
        onFocus={(event) => setFocused(event.currentTarget.matches(":focus-visible"))}
        onBlur={() => setFocused(false)}
        aria-describedby={hintId}
      >
        <span className="storyboard-filmstrip" aria-hidden="true">
          {filmstrip.map((frame, index) => (
            <span key={index} className="storyboard-filmstrip-frame" style={tileStyle(frame)} />
          ))}
        </span>
        {ready && (
          <span className="storyboard-thumb" style={{ left: `${durationSec > 0 ? (100 * timeSec) / durationSec : 0}%` }} />
        )}
      </div>
      <p className="storyboard-hint" id={hintId}>
        Hover over or drag along the filmstrip to see the video at any moment (or focus it and use the arrow keys).
      </p>
    </div>
  );
}
