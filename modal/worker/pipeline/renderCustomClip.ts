/**
 * A clip the creator asked for (`clips.requestClip`): one ffmpeg run that reads only the range
 * it needs, straight from the source's presigned URL (input seeking turns into HTTP range
 * requests: the 20 GiB upload is not downloaded for a 10 s clip), re-encodes it so it starts on
 * exactly the asked-for frame, crops it to the shape (`clipFrame`: the centre of the picture,
 * the same rectangle the page previews) and scales it to at most 1080×1920 / 1080×1080, H.264 +
 * AAC with `+faststart`. A second output of the same decode is its poster (its first frame), as
 * for highlight clips (`encodeHighlightClips.ts`). With captions asked for, the range's words
 * are burned in by the same run (`subtitles`, libass: `captions/burnCaptions.ts`).
 */
import { clipFrame, type ClipAspect } from "../../../convex/lib/clipFrames";
import type { Media } from "../../../convex/lib/validators";
import {
  artifactRelativePath,
  describeArtifactFile,
  prepareArtifactFolder,
  type ProducedArtifact,
} from "./artifactFiles";
import { subtitlesFilter } from "../captions/burnCaptions";
import { runFfmpeg } from "./ffmpegBinaries";
import { frameDurationSec, secondsArg } from "./mediaTime";
import { boundedInputArgs, ffmpegTimeLimitMs } from "./runBounds";

/** x264's default quality is 23; a clip is made to be published, so a little better. */
const CUSTOM_CLIP_CRF = "21";
/** `veryfast`: 9:16 from 1080p30 must render faster than real time on 2 cores (scripts/bench). */
const CUSTOM_CLIP_PRESET = "veryfast";
const CUSTOM_CLIP_AUDIO_BITRATE = "160k";
const CUSTOM_CLIP_POSTER_QUALITY = "3";
/**
 * Reading over HTTP: reconnect when the connection drops mid-read (a long clip of a large
 * source), for up to this many seconds between tries, rather than fail the render.
 */
const HTTP_RECONNECT_DELAY_MAX_SEC = "10";

export type CustomClipRender = {
  /** The source: a presigned https URL (or, in tests, a file path). */
  source: string;
  media: Media;
  clip: { startSec: number; endSec: number; aspect: ClipAspect; index: number };
  /** ffmpeg's working directory: `custom_clip/<index>.mp4` and `custom_clip_poster/<index>.jpg` land under it. */
  workDir: string;
  /** Captions to burn in: a clip-relative WebVTT (`clipCaptionsVtt`) drawn by libass in the 9:16 style. */
  captionsVttPath?: string;
  threads: number;
  signal: AbortSignal;
  onProgress: (pct: number) => void;
};

export async function renderCustomClip(render: CustomClipRender): Promise<ProducedArtifact[]> {
  const { media, clip, workDir } = render;
  const { crop, output } = clipFrame(media, clip.aspect);
  const durationSec = clip.endSec - clip.startSec;
  // A quarter of a frame early: the mp4 muxer's constant-frame-rate sync rounds each frame to
  // the nearest slot, so the frame before the cut (¾ of a frame early) is dropped and the cut
  // frame lands at 0. Half a frame early (as highlight clips seek) ties, and a 25 fps source
  // then kept the frame before the cut (customClips.integration.test.ts saw it). A start between
  // two frames begins on the frame shown at that moment.
  const seekSec = Math.max(0, clip.startSec - frameDurationSec(media) / 4);
  const picture = [
    // Fractions of the decoded (autorotated) frame, so a non-square-pixel source crops right too.
    `crop=w=trunc(iw*${crop.width.toFixed(6)}/2)*2:h=trunc(ih*${crop.height.toFixed(6)}/2)*2:x=(iw-ow)/2:y=(ih-oh)/2`,
    `scale=${output.width}:${output.height}`,
    "setsar=1",
  ].join(",");
  // Captions go on the clip only, after the crop and scale, so the type is sized for the output.
  const clipPicture = render.captionsVttPath === undefined ? picture : `${picture},${subtitlesFilter(render.captionsVttPath, output)}`;
  const threads = String(render.threads);
  const http = /^https?:/.test(render.source)
    ? ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", HTTP_RECONNECT_DELAY_MAX_SEC]
    : [];
  await prepareArtifactFolder(workDir, "custom_clip");
  await prepareArtifactFolder(workDir, "custom_clip_poster");
  render.onProgress(0);
  // ffmpeg: an input-seeked, length-bounded read of the source → one cropped H.264/AAC MP4, and
  // its first frame → one JPEG.
  await runFfmpeg(
    [
      ...["-threads", threads, ...http, ...boundedInputArgs(media, seekSec), "-i", render.source],
      ...["-map", "0:V:0", ...(media.hasAudio ? ["-map", "0:a:0?"] : [])],
      ...["-t", secondsArg(durationSec), "-vf", clipPicture],
      ...["-c:v", "libx264", "-preset", CUSTOM_CLIP_PRESET, "-crf", CUSTOM_CLIP_CRF, "-pix_fmt", "yuv420p", "-threads", threads],
      ...(media.hasAudio ? ["-c:a", "aac", "-b:a", CUSTOM_CLIP_AUDIO_BITRATE] : []),
      ...["-movflags", "+faststart", artifactRelativePath("custom_clip", clip.index)],
      ...["-map", "0:V:0", "-vf", picture, "-frames:v", "1"],
      ...["-q:v", CUSTOM_CLIP_POSTER_QUALITY, artifactRelativePath("custom_clip_poster", clip.index)],
    ],
    {
      signal: render.signal,
      cwd: workDir,
      timeLimitMs: ffmpegTimeLimitMs(durationSec),
      progress: { durationSec, onProgress: render.onProgress },
    },
  );
  render.onProgress(100);
  return await Promise.all([
    describeArtifactFile(workDir, "custom_clip", clip.index, { ...output, durationSec, startSec: clip.startSec }),
    describeArtifactFile(workDir, "custom_clip_poster", clip.index, { ...output, startSec: clip.startSec }),
  ]);
}
