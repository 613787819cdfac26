/**
 * The one pass that decodes every frame: scene-cut detection needs them all, so the
 * storyboard sheets, the animated preview and the audio track ride along in the same
 * ffmpeg process instead of paying for decodes of their own.
 *
 * Progress comes from the scene branch, which prints every frame's time and scene score to
 * stdout: ffmpeg's own `-progress` stays silent until every output has written its header,
 * and the storyboard's first sheet only exists once its tiles are all decoded.
 *
 * The pictures (storyboard, preview) cover the video stream, which may end before the
 * container does; the audio artifact runs to the audio's own end.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  artifactRelativePath,
  describeArtifactFile,
  prepareArtifactFolder,
  type ArtifactJob,
  type ProducedArtifact,
} from "./artifactFiles";
import { runFfmpeg } from "./ffmpegBinaries";
import { evenlySpacedWindows, secondsArg } from "./mediaTime";
import { fitWithin, scaleFilter } from "./outputSize";
import { boundedInputArgs, ffmpegTimeLimitMs, inputLimitSec } from "./runBounds";
import {
  formatStoryboardVtt,
  planStoryboard,
  sheetSize,
  type StoryboardPlan,
} from "./storyboardPlan";

/**
 * scdet scores every frame (select's `scene` score × 100/2.56) and, unlike select, passes
 * them all on, so each frame's time reaches stdout; a cut is `gt(scene,0.3)` on that scale.
 */
const SCENE_CUT_SCORE = 0.3 * (100 / 2.56);
const SCENE_ANALYSIS_MAX_SIDE = 160;

const PREVIEW_SEGMENTS = 4;
const PREVIEW_SEGMENT_SEC = 1.5;
const PREVIEW_FPS = 10;
const PREVIEW_MAX_SIDE = 320;
const PREVIEW_QUALITY = "70";
const STORYBOARD_QUALITY = "5";
const AUDIO_BITRATE = "128k";

type Segment = { startSec: number; endSec: number };

export type ScanResult = { artifacts: ProducedArtifact[]; sceneCutsSec: number[] };

export async function scanFullVideo(
  job: ArtifactJob,
  onProgress: (pct: number) => void,
): Promise<ScanResult> {
  const { media, workDir } = job;
  const { timeline } = media;
  const storyboard = planStoryboard(timeline.videoEndSec, media);
  const segments = planPreviewSegments(timeline.videoStartSec, timeline.videoEndSec);
  const previewSize = fitWithin(media, PREVIEW_MAX_SIDE);
  const sceneSize = fitWithin(media, SCENE_ANALYSIS_MAX_SIDE);
  for (const kind of ["storyboard", "storyboard_vtt", "preview", "audio"] as const) {
    await prepareArtifactFolder(workDir, kind);
  }
  onProgress(0);

  const inPreview = segments
    .map(({ startSec, endSec }) => `gte(t,${startSec.toFixed(3)})*lt(t,${endSec.toFixed(3)})`)
    .join("+");
  const graph = [
    "[0:V:0]split=3[scenes][tiles][preview]",
    // Cut detection on small frames: the score is a mean difference, size barely matters.
    // `pipe\\:1` is stdout, its colon escaped for the option parser and again for the graph.
    `[scenes]scale=${sceneSize.width}:${sceneSize.height}:flags=fast_bilinear,scdet,` +
      "metadata=mode=print:key=lavfi.scd.score:file=pipe\\\\:1[scanned]",
    // Tile k shows the frame on screen at k × interval: `start_time=0` counts slots from the
    // container's start, not from a late first frame (earlier slots repeat that frame), and
    // `round=up` gives slot k the last frame at or before its time — and a slot at 0 to a
    // video shorter than half an interval, which `round=near` leaves with none.
    // tpad+trim make the tile count exactly the planned one, whatever fps does at the end.
    `[tiles]fps=fps=1/${storyboard.intervalSec}:start_time=0:round=up,` +
      `tpad=stop_mode=clone:stop=${storyboard.tileCount},trim=end_frame=${storyboard.tileCount},` +
      `${scaleFilter(storyboard.tile)},tile=${storyboard.columns}x${storyboard.rows}[sheets]`,
    // fps before select, so the gaps between segments are dropped rather than filled; its
    // slots counted from 0 and rounded up like the tiles', so every planned segment (on
    // that grid, see planPreviewSegments) holds at least one frame, however short the video.
    `[preview]fps=fps=${PREVIEW_FPS}:start_time=0:round=up,select='${inPreview}',` +
      `${scaleFilter(previewSize)},` +
      `setpts=N/${PREVIEW_FPS}/TB[animated]`,
  ].join(";");

  const audioEndSec = timeline.audioEndSec;
  const audioArgs =
    audioEndSec !== undefined
      ? [
          ...["-map", "0:a:0"],
          ...(media.audioCodec === "aac"
            ? ["-c:a", "copy"]
            : ["-c:a", "aac", "-b:a", AUDIO_BITRATE]),
          // Exactly the length recorded for it, even where the input margin reads further.
          ...["-t", secondsArg(audioEndSec)],
          ...["-movflags", "+faststart", artifactRelativePath("audio", 0)],
        ]
      : [];
  const scenes = sceneScoreReader(timeline.videoEndSec, onProgress);
  // ffmpeg: one full decode (up to the input limit) → per-frame scene scores, storyboard
  // sheets, animated WebP, audio.
  await runFfmpeg(
    [
      ...["-threads", String(job.threads), ...boundedInputArgs(media), "-i", job.inputPath],
      ...["-filter_complex", graph],
      ...["-map", "[scanned]", "-f", "null", "-"],
      ...[
        "-map",
        "[sheets]",
        "-q:v",
        STORYBOARD_QUALITY,
        "-start_number",
        "0",
        "storyboard/%d.jpg",
      ],
      ...["-map", "[animated]", "-c:v", "libwebp_anim", "-loop", "0", "-quality", PREVIEW_QUALITY],
      artifactRelativePath("preview", 0),
      ...audioArgs,
    ],
    {
      signal: job.signal,
      cwd: workDir,
      timeLimitMs: ffmpegTimeLimitMs(inputLimitSec(media)),
      onStdoutLine: scenes.readLine,
    },
  );
  onProgress(100);

  await writeFile(
    join(workDir, artifactRelativePath("storyboard_vtt", 0)),
    formatStoryboardVtt(storyboard, timeline.videoEndSec),
  );
  const artifacts = await Promise.all([
    ...storyboardSheets(storyboard, timeline.videoEndSec).map((sheet, index) =>
      describeArtifactFile(workDir, "storyboard", index, sheet),
    ),
    describeArtifactFile(workDir, "storyboard_vtt", 0, { durationSec: timeline.videoEndSec }),
    describeArtifactFile(workDir, "preview", 0, {
      ...previewSize,
      durationSec: segments.reduce((sum, { startSec, endSec }) => sum + endSec - startSec, 0),
    }),
    ...(audioEndSec !== undefined
      ? [describeArtifactFile(workDir, "audio", 0, { durationSec: audioEndSec })]
      : []),
  ]);
  return { artifacts, sceneCutsSec: scenes.cutsSec };
}

/**
 * A few short segments centred in equal slices of the video's pictures (`fromSec` to
 * `toSec`); one for very short videos. Each starts on the preview's frame grid (multiples
 * of 1/PREVIEW_FPS from 0) and lasts at least one preview frame, so it holds a grid point
 * that fps fills — even for a video shorter than a preview frame.
 */
function planPreviewSegments(fromSec: number, toSec: number): Segment[] {
  return evenlySpacedWindows(fromSec, toSec, PREVIEW_SEGMENT_SEC, PREVIEW_SEGMENTS).map(({ startSec, durationSec }) => {
    const onGridSec = Math.floor(startSec * PREVIEW_FPS) / PREVIEW_FPS;
    return { startSec: onGridSec, endSec: onGridSec + Math.max(1 / PREVIEW_FPS, durationSec) };
  });
}

/** Each sheet's size and the stretch of the video its tiles cover. */
function storyboardSheets(plan: StoryboardPlan, durationSec: number) {
  const sheetSec = plan.columns * plan.rows * plan.intervalSec;
  return Array.from({ length: plan.sheetCount }, (_, sheet) => ({
    ...sheetSize(plan),
    startSec: sheet * sheetSec,
    durationSec: Math.min(sheetSec, durationSec - sheet * sheetSec),
  }));
}

/**
 * Reads the metadata filter's printout — `frame:… pts:… pts_time:<sec>` then
 * `lavfi.scd.score=<score>` for every frame — into progress and the list of cuts.
 */
function sceneScoreReader(durationSec: number, onProgress: (pct: number) => void) {
  const cutsSec: number[] = [];
  let frameSec = 0;
  let reportedPct = 0;
  const readLine = (line: string) => {
    const time = line.match(/pts_time:(-?[\d.]+)/);
    if (time) {
      frameSec = Number(time[1]);
      // Whole percents: a per-frame callback would be thousands of calls a minute.
      const pct = Math.floor(Math.min(99, (frameSec / durationSec) * 100));
      if (pct > reportedPct) {
        reportedPct = pct;
        onProgress(pct);
      }
      return;
    }
    const score = line.match(/^lavfi\.scd\.score=([\d.]+)$/);
    if (score && Number(score[1]) > SCENE_CUT_SCORE && frameSec > 0) cutsSec.push(frameSec);
  };
  return { cutsSec, readLine };
}
