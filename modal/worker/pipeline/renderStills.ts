/**
 * Poster and thumbnails: single frames, so they come from input seeking — each still
 * decodes only from the keyframe before its timestamp, never the whole video.
 */
import {
  describeArtifactFile,
  prepareArtifactFolder,
  artifactRelativePath,
  type ArtifactJob,
  type ProducedArtifact,
} from "./artifactFiles";
import { runFfmpeg } from "./ffmpegBinaries";
import { clampToLastFrame, secondsArg } from "./mediaTime";
import { fitWithin, scaleFilter, type Size } from "./outputSize";

const POSTER_POSITION = 0.1;
const POSTER_MAX_SIDE = 1280;
const THUMBNAIL_COUNT = 6;
const THUMBNAIL_MAX_SIDE = 320;
/** mjpeg qscale (2 best … 31 worst). */
const POSTER_QUALITY = "3";
const THUMBNAIL_QUALITY = "5";

type Still = {
  kind: "poster" | "thumbnail";
  index: number;
  atSec: number;
  size: Size;
  quality: string;
};

function planStills(job: Pick<ArtifactJob, "media">): Still[] {
  const { media } = job;
  const poster: Still = {
    kind: "poster",
    index: 0,
    atSec: clampToLastFrame(media, media.durationSec * POSTER_POSITION),
    size: fitWithin(media, POSTER_MAX_SIDE),
    quality: POSTER_QUALITY,
  };
  // Centred in equal slices of the video, so neither the first nor the last frame is used.
  const thumbnails = Array.from({ length: THUMBNAIL_COUNT }, (_, index): Still => ({
    kind: "thumbnail",
    index,
    atSec: clampToLastFrame(media, ((index + 0.5) / THUMBNAIL_COUNT) * media.durationSec),
    size: fitWithin(media, THUMBNAIL_MAX_SIDE),
    quality: THUMBNAIL_QUALITY,
  }));
  return [poster, ...thumbnails];
}

export async function renderStills(
  job: ArtifactJob,
  onProgress: (pct: number) => void,
): Promise<ProducedArtifact[]> {
  const stills = planStills(job);
  await prepareArtifactFolder(job.workDir, "poster");
  await prepareArtifactFolder(job.workDir, "thumbnail");
  onProgress(0);

  const threads = String(job.threads);
  const inputs = stills.flatMap((still) => [
    ...["-threads", threads, "-ss", secondsArg(still.atSec)],
    ...["-i", job.inputPath],
  ]);
  const outputs = stills.flatMap((still, input) => [
    ...["-map", `${input}:V:0`, "-vf", scaleFilter(still.size), "-frames:v", "1"],
    ...["-q:v", still.quality, artifactRelativePath(still.kind, still.index)],
  ]);
  // ffmpeg: one input-seeked copy of the source per still → one scaled JPEG per input.
  await runFfmpeg([...inputs, ...outputs], { signal: job.signal, cwd: job.workDir });
  onProgress(100);

  return Promise.all(
    stills.map((still) =>
      describeArtifactFile(job.workDir, still.kind, still.index, {
        ...still.size,
        startSec: still.atSec,
      }),
    ),
  );
}
