/**
 * Highlight clips: re-encoded, so each one starts on exactly the frame it was chosen for
 * (a stream copy could only start on a keyframe).
 */
import {
  artifactRelativePath,
  describeArtifactFile,
  prepareArtifactFolder,
  type ArtifactJob,
  type ProducedArtifact,
} from "./artifactFiles";
import { runFfmpeg } from "./ffmpegBinaries";
import type { ClipWindow } from "./highlightClipPlan";
import { frameDurationSec, secondsArg } from "./mediaTime";
import { fitWithin, scaleFilter } from "./outputSize";

const CLIP_MAX_SIDE = 1280;
const CLIP_CRF = "23";
const CLIP_AUDIO_BITRATE = "128k";

export async function encodeHighlightClips(
  job: ArtifactJob,
  windows: readonly ClipWindow[],
  onProgress: (pct: number) => void,
): Promise<ProducedArtifact[]> {
  const { media } = job;
  const size = fitWithin(media, CLIP_MAX_SIDE);
  const threads = String(job.threads);
  await prepareArtifactFolder(job.workDir, "clip");
  onProgress(0);

  // A cut's time comes from a rounded printout. Seeking half a frame early still drops the
  // frame before the cut (a whole frame early) and keeps the cut frame, which the mp4
  // muxer's constant-frame-rate sync then places at 0.
  const halfFrameSec = frameDurationSec(media) / 2;
  const inputs = windows.flatMap((window) => [
    ...["-threads", threads, "-ss", secondsArg(Math.max(0, window.startSec - halfFrameSec))],
    ...["-i", job.inputPath],
  ]);
  const outputs = windows.flatMap((window, input) => [
    ...["-map", `${input}:V:0`, ...(media.hasAudio ? ["-map", `${input}:a:0`] : [])],
    ...["-t", secondsArg(window.durationSec), "-vf", scaleFilter(size)],
    ...["-c:v", "libx264", "-preset", "veryfast", "-crf", CLIP_CRF, "-pix_fmt", "yuv420p"],
    ...["-threads", threads],
    ...(media.hasAudio ? ["-c:a", "aac", "-b:a", CLIP_AUDIO_BITRATE] : []),
    ...["-movflags", "+faststart", artifactRelativePath("clip", input)],
  ]);
  // ffmpeg: one input-seeked copy of the source per clip → one H.264/AAC MP4 per input.
  await runFfmpeg([...inputs, ...outputs], {
    signal: job.signal,
    cwd: job.workDir,
    progress: {
      durationSec: Math.max(...windows.map((window) => window.durationSec)),
      onProgress,
    },
  });

  return Promise.all(
    windows.map((window, index) =>
      describeArtifactFile(job.workDir, "clip", index, { ...size, ...window }),
    ),
  );
}
