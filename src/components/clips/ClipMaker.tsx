"use client";

import { useAction, useMutation } from "convex/react";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { CLIP_ASPECTS, clipFrame, DEFAULT_MAX_CLIP_SECONDS, MIN_CLIP_SECONDS, type ClipAspect } from "../../../convex/lib/clipFrames";
import { describeError } from "@/lib/errorMessages";
import { formatDuration } from "@/lib/format";
import { BurnInCaptionsOption } from "@/components/captions/BurnInCaptionsOption";
import { CaptionTrackElement, useVideoCaptionTrack } from "@/components/captions/JobCaptions";
import { useJobPosterUrl } from "@/lib/artifacts/useJobPosterUrl";

const ASPECT_LABELS: Readonly<Record<ClipAspect, string>> = { original: "Original", "9:16": "Vertical 9:16", "1:1": "Square 1:1" };

type Media = { durationSec: number; width: number; height: number };

/**
 * Pick a moment of the uploaded video and a shape, and ask for the clip. The player plays the
 * upload itself (a short-lived URL); "Set in"/"Set out" (or the I and O keys while the player or
 * the form has focus) take the playhead; the frame over the player is the crop the worker cuts
 * (`clipFrame`, shared with it).
 */
export function ClipMaker({ jobId, media }: { jobId: Id<"video_jobs">; media: Media }) {
  const getSourceUrl = useAction(api.clips.getSourcePlaybackUrl);
  const requestClip = useMutation(api.clips.requestClip);
  const player = useRef<HTMLVideoElement>(null);
  const poster = useJobPosterUrl(jobId);
  const track = useVideoCaptionTrack();
  const [source, setSource] = useState<{ url: string } | { refusal: string } | null>(null);
  const [inSec, setInSec] = useState(0);
  const [outSec, setOutSec] = useState(Math.min(media.durationSec, 5));
  const [aspect, setAspect] = useState<ClipAspect>("9:16");
  const [burnIn, setBurnIn] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();

  useEffect(() => {
    let live = true;
    getSourceUrl({ jobId }).then(
      ({ url }) => live && setSource({ url }),
      (e: unknown) => live && setSource({ refusal: describeError(e).code === "source_gone" ? "gone" : describeError(e).message }),
    );
    return () => {
      live = false;
    };
  }, [getSourceUrl, jobId]);

  const playhead = () => round(player.current?.currentTime ?? 0);
  const setIn = () => setInSec(playhead());
  const setOut = () => setOutSec(playhead());
  function onKeyDown(event: KeyboardEvent) {
    if (event.target instanceof HTMLInputElement && event.target.type === "number") return;
    const key = event.key.toLowerCase();
    if (key !== "i" && key !== "o") return;
    event.preventDefault();
    if (key === "i") setIn();
    else setOut();
  }

  async function submit() {
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      await requestClip({ jobId, startSec: inSec, endSec: outSec, aspect, ...(burnIn ? { captions: true } : {}) });
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setPending(false);
    }
  }

  if (source !== null && "refusal" in source) {
    return (
      <section className="card" aria-labelledby={headingId}>
        <h2 id={headingId}>Make a clip</h2>
        <p data-testid="clips-unavailable">
          {source.refusal === "gone"
            ? "Clips can no longer be made: the uploaded video is only kept for a limited time after processing, and it has been deleted."
            : source.refusal}
        </p>
      </section>
    );
  }
  const { crop } = clipFrame(media, aspect);
  const lengthSec = outSec - inSec;
  return (
    <section className="card clip-maker" aria-labelledby={headingId} onKeyDown={onKeyDown} data-testid="clip-maker">
      <h2 id={headingId}>Make a clip</h2>
      <div className="artifact-frame" style={{ position: "relative", aspectRatio: `${media.width} / ${media.height}` }}>
        {source && (
          <video ref={player} src={source.url} poster={poster} controls playsInline preload="metadata" aria-label="Your uploaded video" style={{ width: "100%" }}>
            {track && <CaptionTrackElement track={track} showing />}
          </video>
        )}
        <div
          data-testid="crop-preview"
          data-aspect={aspect}
          aria-hidden="true"
          style={{
            position: "absolute",
            left: `${crop.x * 100}%`,
            top: `${crop.y * 100}%`,
            width: `${crop.width * 100}%`,
            height: `${crop.height * 100}%`,
            outline: "2px solid #fff",
            boxShadow: "0 0 0 9999px rgba(0, 0, 0, 0.45)",
            pointerEvents: "none",
          }}
        />
      </div>
      <p className="hint">Play or scrub to a moment, then press I to set the start and O to set the end (or use the buttons).</p>
      <div className="clip-range">
        <button type="button" onClick={setIn}>
          Set in at playhead
        </button>
        <label>
          In (seconds){" "}
          <input type="number" min={0} max={media.durationSec} step={0.1} value={inSec} onChange={(e) => setInSec(Number(e.target.value))} />
        </label>
        <button type="button" onClick={setOut}>
          Set out at playhead
        </button>
        <label>
          Out (seconds){" "}
          <input type="number" min={0} max={media.durationSec} step={0.1} value={outSec} onChange={(e) => setOutSec(Number(e.target.value))} />
        </label>
      </div>
      <p data-testid="clip-range">
        {formatDuration(inSec)}–{formatDuration(outSec)} ({lengthSec.toFixed(1)} s; {MIN_CLIP_SECONDS}–{DEFAULT_MAX_CLIP_SECONDS} s)
      </p>
      <fieldset>
        <legend>Shape</legend>
        {CLIP_ASPECTS.map((value) => (
          <label key={value}>
            <input type="radio" name={`${headingId}-aspect`} value={value} checked={aspect === value} onChange={() => setAspect(value)} />{" "}
            {ASPECT_LABELS[value]}
          </label>
        ))}
      </fieldset>
      <BurnInCaptionsOption jobId={jobId} checked={burnIn} onChange={setBurnIn} />
      <button type="button" className="button-primary" onClick={submit} aria-disabled={pending}>
        {pending ? "Requesting…" : "Make clip"}
      </button>
      {error && (
        <p role="alert" className="artifact-error">
          {error}
        </p>
      )}
    </section>
  );
}

function round(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}
