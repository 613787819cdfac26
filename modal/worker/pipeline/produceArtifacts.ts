/**
 * Turns a probed source video into every artifact a job publishes, in three ffmpeg
 * processes run one after another (each already uses all cores):
 *
 * 1. `stills` — poster and thumbnails by input seeking (no full decode);
 * 2. `scan`   — the single full decode: scene cuts, storyboard + VTT, animated preview, audio;
 * 3. `clips`  — highlight clips at the cuts from step 2, frame-accurately re-encoded.
 *
 * Files land in `workDir/<kind>/<index>.<ext>`; the caller uploads them and deletes
 * `workDir`. `onProgress(stage, pct)` reports each stage's own 0–100 percentage, stages in
 * `ARTIFACT_STAGES` order.
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Media } from "../../../convex/lib/validators";
import type { ArtifactJob, ProducedArtifact } from "./artifactFiles";
import { encodeHighlightClips } from "./encodeHighlightClips";
import { planHighlightClips } from "./highlightClipPlan";
import { PipelineError } from "./pipelineError";
import { renderStills } from "./renderStills";
import { scanFullVideo } from "./scanFullVideo";

export type { ProducedArtifact } from "./artifactFiles";

export const ARTIFACT_STAGES = ["stills", "scan", "clips"] as const;
export type ArtifactStage = (typeof ARTIFACT_STAGES)[number];

export type ProduceArtifactsOptions = {
  inputPath: string;
  /** From `probeVideo`: display size, duration, fps and audio decide every output. */
  media: Media;
  /** An existing, empty folder that the caller deletes afterwards. */
  workDir: string;
  signal: AbortSignal;
  onProgress: (stage: ArtifactStage, pct: number) => void;
  /**
   * Threads per ffmpeg process. Defaults to the CPUs this process may use; set it when a
   * container reports the host's CPUs rather than its quota.
   */
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
    threads: options.threads ?? availableParallelism(),
  };
  try {
    const stills = await renderStills(job, (pct) => onProgress("stills", pct));
    const scan = await scanFullVideo(job, (pct) => onProgress("scan", pct));
    const clips = await encodeHighlightClips(
      job,
      planHighlightClips(scan.sceneCutsSec, job.media.durationSec),
      (pct) => onProgress("clips", pct),
    );
    return [...stills, ...scan.artifacts, ...clips];
  } catch (error) {
    if (signal.aborted || error instanceof PipelineError) throw error;
    // The source already passed probing, so a failure here is ours or the machine's.
    throw new PipelineError(
      "processing_error",
      `Processing failed while making the video's images and clips: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
