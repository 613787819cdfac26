"use client";

import { useQuery } from "convex/react";
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { CaptionsView } from "../../../convex/lib/taskValidators";
import type { Transcript } from "../../../modal/worker/captions/transcript";
import { clipCaptionsVtt } from "../../../modal/worker/captions/webVtt";
import type { ArtifactView } from "@/lib/artifacts/artifactGroups";
import { useArtifactUrls } from "@/lib/artifacts/useArtifactUrls";
import { useCaptionFiles } from "./useCaptionFiles";

/**
 * A job's captions, loaded once for every player of the page (issue 21: captions on every
 * player of the job): the captions task, live (`captions.forJob`), and once it is READY with
 * speech, its WebVTT as a `blob:` URL and its transcript, parsed.
 */
export type JobCaptions = {
  /** The captions task; null when the job has none (no sound, or not READY); undefined while loading. */
  view: CaptionsView | null | undefined;
  vtt?: ArtifactView;
  transcriptFile?: ArtifactView;
  /** The whole video's captions, for a player of the whole video. */
  trackUrl?: string;
  transcript?: Transcript;
};

const NO_CAPTIONS: JobCaptions = { view: undefined };
const JobCaptionsContext = createContext<JobCaptions>(NO_CAPTIONS);

/** `ready`: the job is READY (before that it has no captions, and nothing is asked for). */
export function JobCaptionsProvider({ jobId, ready, children }: { jobId: Id<"video_jobs">; ready: boolean; children: ReactNode }) {
  const view = useQuery(api.captions.forJob, ready ? { jobId } : "skip");
  const withSpeech = view?.status === "READY" && view.speech === true;
  const artifacts = useQuery(api.artifacts.listForJob, withSpeech ? { jobId } : "skip");
  const vtt = artifacts?.find((artifact) => artifact._id === view?.vttArtifactId);
  const transcriptFile = artifacts?.find((artifact) => artifact._id === view?.transcriptArtifactId);
  const ids = useMemo(() => [vtt?._id, transcriptFile?._id].filter((id) => id !== undefined), [vtt?._id, transcriptFile?._id]);
  const { urls, refresh } = useArtifactUrls(ids);
  const { trackUrl, transcript } = useCaptionFiles(
    vtt && { id: vtt._id, url: urls.get(vtt._id)?.url },
    transcriptFile && { id: transcriptFile._id, url: urls.get(transcriptFile._id)?.url },
    refresh,
  );
  const value = useMemo<JobCaptions>(
    () => (withSpeech ? { view, vtt, transcriptFile, trackUrl, transcript } : { view }),
    [withSpeech, view, vtt, transcriptFile, trackUrl, transcript],
  );
  return <JobCaptionsContext.Provider value={value}>{children}</JobCaptionsContext.Provider>;
}

export function useJobCaptions(): JobCaptions {
  return useContext(JobCaptionsContext);
}

/** What a player's `<track kind="captions">` needs. */
export type CaptionTrack = { src: string; srcLang: string };

/** The captions track for a player of the whole video; undefined until loaded, or without captions. */
export function useVideoCaptionTrack(): CaptionTrack | undefined {
  const { view, trackUrl } = useJobCaptions();
  return trackUrl === undefined ? undefined : { src: trackUrl, srcLang: view?.language ?? "und" };
}

/**
 * The captions track for a player of one part of the video (`startSec`–`endSec`, a clip): its
 * cues, made here from the transcript, timed from the part's start. Undefined until loaded, and
 * when there is nothing to show (no captions, no part, or no words in it).
 */
export function useClipCaptionTrack(part: { startSec: number; endSec: number } | undefined): CaptionTrack | undefined {
  const { view, transcript } = useJobCaptions();
  const startSec = part?.startSec;
  const endSec = part?.endSec;
  // A `data:` URL: a few kilobytes of cues, with no object URL to revoke when the clip goes.
  const src = useMemo(() => {
    if (transcript === undefined || startSec === undefined || endSec === undefined) return undefined;
    const vtt = clipCaptionsVtt(transcript, startSec, endSec);
    return vtt.includes("-->") ? `data:text/vtt;charset=utf-8,${encodeURIComponent(vtt)}` : undefined;
  }, [transcript, startSec, endSec]);
  return src === undefined ? undefined : { src, srcLang: view?.language ?? "und" };
}

/**
 * A player's captions `<track>`, shown (`showing`) or only offered in the player's menu. A track
 * added after its video loaded starts disabled in some browsers, so its mode is set here.
 */
export function CaptionTrackElement({ track, showing }: { track: CaptionTrack; showing: boolean }) {
  const element = useRef<HTMLTrackElement>(null);
  useEffect(() => {
    if (element.current) element.current.track.mode = showing ? "showing" : "hidden";
  }, [track.src, showing]);
  return <track ref={element} kind="captions" srcLang={track.srcLang} label="Captions" src={track.src} default={showing} />;
}
