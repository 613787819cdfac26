/**
 * Poster and thumbnails: single frames, so they come from input seeking — each still
 * decodes only from the keyframe before its timestamp, never the whole video.
 *
 * One ffmpeg run per still, one after another: a run with every still as its own input
 * keeps all their decoders alive at once, and at 4K seven decoders took about 1 GB (2 GB at
 * eight threads) where one takes under 200 MB. The runs cost the same decoding either way;
 * the extra process starts are tens of milliseconds.
 */
import {
  describeArtifactFile,
  prepareArtifactFolder,
  artifactRelativePath,
  type ArtifactJob,
  type ProducedArtifact,
} from "./artifactFiles";
import { runFfmpeg } from "./ffmpegBinaries";
import { clampToFrames, videoTimeAt } from "./mediaTime";
import { fitWithin, scaleFilter, type Size } from "./outputSize";
import { boundedInputArgs, ffmpegTimeLimitMs } from "./runBounds";

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

/** Positions are shares of the video's pictures, which may span less than the container. */
function planStills(job: Pick<ArtifactJob, "media">): Still[] {
  const { media } = job;
  const { timeline } = media;
  const poster: Still = {
    kind: "poster",
    index: 0,
    atSec: clampToFrames(timeline, videoTimeAt(timeline, POSTER_POSITION)),
    size: fitWithin(media, POSTER_MAX_SIDE),
    quality: POSTER_QUALITY,
  };
  // Centred in equal slices of the video, so neither the first nor the last frame is used.
  const thumbnails = Array.from({ length: THUMBNAIL_COUNT }, (_, index): Still => ({
    kind: "thumbnail",
    index,
    atSec: clampToFrames(timeline, videoTimeAt(timeline, (index + 0.5) / THUMBNAIL_COUNT)),
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
  for (const [done, still] of stills.entries()) {
    // ffmpeg: an input-seeked, length-bounded read of the source → one scaled JPEG.
    await runFfmpeg(
      [
        ...["-threads", threads, ...boundedInputArgs(job.media, still.atSec), "-i", job.inputPath],
        ...["-map", "0:V:0", "-vf", scaleFilter(still.size), "-frames:v", "1"],
        ...["-q:v", still.quality, artifactRelativePath(still.kind, still.index)],
      ],
      { signal: job.signal, cwd: job.workDir, timeLimitMs: ffmpegTimeLimitMs(still.atSec) },
    );
    onProgress((100 * (done + 1)) / stills.length);
  }

  return Promise.all(
    stills.map((still) =>
      describeArtifactFile(job.workDir, still.kind, still.index, {
        ...still.size,
        startSec: still.atSec,
      }),
    ),
  );
}
