/**
 * Turns a probed source video into every artifact a job publishes, in three stages run one
 * after another, each decoding the source with one ffmpeg process at a time:
 *
 * 1. `stills` — poster and thumbnails by input seeking (no full decode), one run per still;
 * 2. `scan`   — the single full decode: scene cuts, storyboard + VTT, animated preview, audio;
 * 3. `clips`  — highlight clips at the cuts from step 2, frame-accurately re-encoded, one run
 *    per clip.
 *
 * Every run reads the source only up to the probed duration plus a margin and has a
 * wall-clock limit (`runBounds.ts`), so a header that understates the length cannot make a
 * job decode or write more than was accepted.
 *
 * Files land in `workDir/<kind>/<index>.<ext>`; the caller uploads them and deletes
 * `workDir`. `onProgress(stage, pct)` reports each stage's own 0–100 percentage, stages in
 * `ARTIFACT_STAGES` order.
 */
import { resolve } from "node:path";
import type { ProcessingStage } from "../../../convex/lib/workerProtocol";
import type { ArtifactJob, ProducedArtifact } from "./artifactFiles";
import { encodeHighlightClips } from "./encodeHighlightClips";
import { FfmpegTimeLimitError } from "./ffmpegBinaries";
import { planHighlightClips } from "./highlightClipPlan";
import { PipelineError } from "./pipelineError";
import type { ProbedVideo } from "./probeVideo";
import { renderStills } from "./renderStills";
import { scanFullVideo } from "./scanFullVideo";

export type { ProducedArtifact } from "./artifactFiles";

export const ARTIFACT_STAGES = ["stills", "scan", "clips"] as const satisfies readonly ProcessingStage[];
export type ArtifactStage = (typeof ARTIFACT_STAGES)[number];

/**
 * Threads per ffmpeg process unless the caller says otherwise: the Modal function's CPU count
 * (`modal/app.py`). More threads than cores buy no speed, and each decoder thread holds
 * frames of its own — at 4K a still's decode grows by about 100 MB per two threads — while
 * `os.availableParallelism()` in a container may count the host's cores, not the quota.
 */
export const DEFAULT_FFMPEG_THREADS = 2;

export type ProduceArtifactsOptions = {
  inputPath: string;
  /** From `probeVideo`: size, duration, fps, audio and the timeline decide every output. */
  media: ProbedVideo;
  /** An existing, empty folder that the caller deletes afterwards. */
  workDir: string;
  signal: AbortSignal;
  onProgress: (stage: ArtifactStage, pct: number) => void;
  /** Threads per ffmpeg process (default `DEFAULT_FFMPEG_THREADS`; `WORKER_FFMPEG_THREADS`). */
  threads?: number;
};

export async function produceArtifacts(
  options: ProduceArtifactsOptions,
): Promise<ProducedArtifact[]> {
  const { signal, onProgress } = options;
  const job: ArtifactJob = {
    inputPath: resolve(options.inputPath),
    media: options.media,
    workDir: resolve(options.workDir),
    signal,
    threads: options.threads ?? DEFAULT_FFMPEG_THREADS,
  };
  try {
    const stills = await renderStills(job, (pct) => onProgress("stills", pct));
    const scan = await scanFullVideo(job, (pct) => onProgress("scan", pct));
    const { videoStartSec, videoEndSec } = job.media.timeline;
    const clips = await encodeHighlightClips(
      job,
      planHighlightClips(scan.sceneCutsSec, videoEndSec, videoStartSec),
      (pct) => onProgress("clips", pct),
    );
    return [...stills, ...scan.artifacts, ...clips];
  } catch (error) {
    if (signal.aborted || error instanceof PipelineError) throw error;
    // The source already passed probing, so a failure here is ours or the machine's. The
    // message is for the person who uploaded: the details (ffmpeg's last words, file paths)
    // stay in the cause, which only the worker's log shows.
    throw new PipelineError(
      "processing_error",
      error instanceof FfmpegTimeLimitError
        ? "Processing took far longer than a video of this length should and was stopped."
        : "Processing failed while making the video's images and clips.",
      { cause: error },
    );
  }
}
