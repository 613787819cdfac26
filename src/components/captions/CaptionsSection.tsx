"use client";

import { useAction, useMutation, useQuery } from "convex/react";
import { useEffect, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { CaptionsView } from "../../../convex/lib/taskValidators";
import { artifactDownloadName } from "../../../convex/lib/downloadFileName";
import { transcriptText, type Transcript } from "../../../modal/worker/captions/transcript";
import type { ArtifactView } from "@/lib/artifacts/artifactGroups";
import { DownloadArtifactButton } from "@/components/artifacts/DownloadArtifactButton";
import { useJobPosterUrl } from "@/lib/artifacts/useJobPosterUrl";
import { describeError } from "@/lib/errorMessages";
import { formatDuration } from "@/lib/format";
import { CaptionTrackElement, useJobCaptions, useVideoCaptionTrack } from "./JobCaptions";

/**
 * A READY job's captions (issue 21), live from `captions.forJob` (through `JobCaptionsProvider`): Transcribing… with progress,
 * then the video with its captions track (on by default; the player's own menu turns it off),
 * the transcript (a click on a line seeks the player, the line being spoken is marked) and the
 * downloads; "No speech found" for a silent video; a failure with Retry. Nothing for a video
 * without sound.
 */
export function CaptionsSection({ jobId }: { jobId: Id<"video_jobs"> }) {
  const captions = useJobCaptions().view;
  if (!captions) return null;
  return (
    <section className="card" aria-labelledby="captions-heading" data-testid="captions" data-status={captions.status}>
      <h2 id="captions-heading">Captions</h2>
      {captions.status === "READY" && captions.speech ? <CaptionsReady jobId={jobId} captions={captions} /> : <CaptionsStatus jobId={jobId} captions={captions} />}
    </section>
  );
}

function CaptionsStatus({ jobId, captions }: { jobId: Id<"video_jobs">; captions: CaptionsView }) {
  const retry = useMutation(api.captions.retry);
  const [error, setError] = useState<string | null>(null);
  switch (captions.status) {
    case "QUEUED":
      return <p role="status">Transcribing… (waiting for a transcriber)</p>;
    case "TRANSCRIBING":
      return (
        <p role="status">
          Transcribing… <progress max={100} value={captions.progress ?? 0} aria-label="Transcribing" /> {captions.progress ?? 0}%
        </p>
      );
    case "READY":
      return <p role="status">No speech found: this video has no captions.</p>;
    case "FAILED":
      return (
        <>
          <p role="alert" className="artifact-error" data-failure-code={captions.failure?.code}>
            {captions.failure?.message ?? "Captions could not be made."}
          </p>
          {captions.canRetry && (
            <button
              type="button"
              onClick={() => {
                setError(null);
                retry({ jobId }).catch((e: unknown) => setError(describeError(e).message));
              }}
            >
              Retry captions
            </button>
          )}
          {error && <p role="alert" className="artifact-error">{error}</p>}
        </>
      );
  }
}

function CaptionsReady({ jobId, captions }: { jobId: Id<"video_jobs">; captions: CaptionsView }) {
  const getSourceUrl = useAction(api.clips.getSourcePlaybackUrl);
  const { vtt, transcriptFile: json, transcript } = useJobCaptions();
  const track = useVideoCaptionTrack();
  const poster = useJobPosterUrl(jobId);
  const [source, setSource] = useState<string | null>(null);
  const player = useRef<HTMLVideoElement>(null);
  const [now, setNow] = useState(0);

  useEffect(() => {
    let live = true;
    getSourceUrl({ jobId }).then(
      ({ url }) => live && setSource(url),
      () => live && setSource(null),
    );
    return () => {
      live = false;
    };
  }, [getSourceUrl, jobId]);

  return (
    <>
      <p className="hint">
        Language: <span data-testid="captions-language">{captions.language ?? "unknown"}</span>
      </p>
      {source && (
        <div className="artifact-frame">
          <video
            ref={player}
            controls
            preload="metadata"
            src={source}
            poster={poster}
            aria-label="Your video with captions"
            data-testid="captions-player"
            onTimeUpdate={(event) => setNow(event.currentTarget.currentTime)}
          >
            {track && <CaptionTrackElement track={track} showing />}
          </video>
        </div>
      )}
      {transcript && <TranscriptPanel transcript={transcript} now={now} seek={(sec) => player.current && (player.current.currentTime = sec)} />}
      <div className="artifact-downloads">
        {vtt && <DownloadArtifactButton artifact={vtt} label={{ visible: "Download captions (VTT)", hidden: "" }} />}
        {json && <DownloadArtifactButton artifact={json} label={{ visible: "Download transcript (JSON)", hidden: "" }} />}
        {json && transcript && <DownloadTranscriptText jobId={jobId} transcript={transcript} artifact={json} />}
      </div>
    </>
  );
}

/** The transcript as plain text, one segment a line, made here and named as its JSON is (`.txt`). */
function DownloadTranscriptText({ jobId, transcript, artifact }: { jobId: Id<"video_jobs">; transcript: Transcript; artifact: ArtifactView }) {
  const job = useQuery(api.jobs.get, { jobId });
  if (!job) return null;
  const name = artifactDownloadName(
    { kind: artifact.kind, index: artifact.index, r2Key: "transcript.txt" },
    { title: job.sourceMeta?.title, videoId: job.videoId },
  );
  function download() {
    const url = URL.createObjectURL(new Blob([transcriptText(transcript)], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return (
    <button type="button" className="button-download" onClick={download}>
      Download transcript (text)
    </button>
  );
}

function TranscriptPanel({ transcript, now, seek }: { transcript: Transcript; now: number; seek: (sec: number) => void }) {
  return (
    <ol className="transcript" aria-label="Transcript" data-testid="transcript">
      {transcript.segments.map((segment) => {
        const current = now >= segment.start && now < segment.end;
        return (
          <li key={`${segment.start}-${segment.end}`} aria-current={current ? "true" : undefined}>
            <button type="button" className="transcript-line" onClick={() => seek(segment.start)} data-start={segment.start}>
              <time>{formatDuration(segment.start)}</time> {segment.text}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
