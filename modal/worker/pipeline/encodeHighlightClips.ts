/**
 * Highlight clips: re-encoded, so each one starts on exactly the frame it was chosen for
 * (a stream copy could only start on a keyframe). One ffmpeg run per clip, one after
 * another, so a single decoder of the source is alive at a time (see renderStills).
 *
 * Each run also writes the clip's poster (`clip_poster`, the player's picture before it plays):
 * a second output of the same input-seeked decode, so it is the clip's first frame and costs
 * one JPEG encode, no extra decoding.
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
import { boundedInputArgs, ffmpegTimeLimitMs } from "./runBounds";

const CLIP_MAX_SIDE = 1280;
const CLIP_CRF = "23";
const CLIP_AUDIO_BITRATE = "128k";
/** mjpeg qscale, as the job's poster (renderStills). */
const CLIP_POSTER_QUALITY = "3";

export async function encodeHighlightClips(
  job: ArtifactJob,
  windows: readonly ClipWindow[],
  onProgress: (pct: number) => void,
): Promise<ProducedArtifact[]> {
  const { media } = job;
  const size = fitWithin(media, CLIP_MAX_SIDE);
  const threads = String(job.threads);
  await prepareArtifactFolder(job.workDir, "clip");
  await prepareArtifactFolder(job.workDir, "clip_poster");
  onProgress(0);

  // A cut's time comes from a rounded printout. Seeking half a frame early still drops the
  // frame before the cut (a whole frame early) and keeps the cut frame, which the mp4
  // muxer's constant-frame-rate sync then places at 0.
  const halfFrameSec = frameDurationSec(media) / 2;
  for (const [index, window] of windows.entries()) {
    const seekSec = Math.max(0, window.startSec - halfFrameSec);
    // No audio track (`audioEndSec` unset), or one that ended before the clip: no audio.
    const withAudio = (media.timeline.audioEndSec ?? 0) > seekSec;
    // ffmpeg: an input-seeked, length-bounded read of the source → one H.264/AAC MP4, and its
    // first frame → one JPEG.
    await runFfmpeg(
      [
        ...["-threads", threads, ...boundedInputArgs(media, seekSec), "-i", job.inputPath],
        ...["-map", "0:V:0", ...(withAudio ? ["-map", "0:a:0"] : [])],
        ...["-t", secondsArg(window.durationSec), "-vf", scaleFilter(size)],
        ...["-c:v", "libx264", "-preset", "veryfast", "-crf", CLIP_CRF, "-pix_fmt", "yuv420p"],
        ...["-threads", threads],
        ...(withAudio ? ["-c:a", "aac", "-b:a", CLIP_AUDIO_BITRATE] : []),
        ...["-movflags", "+faststart", artifactRelativePath("clip", index)],
        ...["-map", "0:V:0", "-vf", scaleFilter(size), "-frames:v", "1"],
        ...["-q:v", CLIP_POSTER_QUALITY, artifactRelativePath("clip_poster", index)],
      ],
      {
        signal: job.signal,
        cwd: job.workDir,
        timeLimitMs: ffmpegTimeLimitMs(window.startSec + window.durationSec),
        progress: {
          durationSec: window.durationSec,
          onProgress: (pct) => onProgress((100 * index + pct) / windows.length),
        },
      },
    );
  }
  onProgress(100);

  return Promise.all(
    windows.flatMap((window, index) => [
      describeArtifactFile(job.workDir, "clip", index, { ...size, ...window }),
      describeArtifactFile(job.workDir, "clip_poster", index, { ...size, startSec: window.startSec }),
    ]),
  );
}
