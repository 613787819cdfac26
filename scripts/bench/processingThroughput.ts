/**
 * Processing throughput: wall seconds per minute of 1080p30 input for the full artifact set,
 * `produceArtifacts` (one full decode, then stills and clips by input seeking, one FFmpeg process
 * at a time; the count is measured and reported) against a naive pipeline written
 * here that runs one FFmpeg process per artifact on the same input (poster, each thumbnail,
 * preview, storyboard, scene detection for the clips, each clip, audio) with the same sizes,
 * codecs and settings. Runs alternate; medians are reported.
 *
 *   tsx scripts/bench/processingThroughput.ts [--runs 3] [--seconds 60] [--budget-s 600]
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import type { Media } from "../../convex/lib/validators";
import { runFfmpeg } from "../../modal/worker/pipeline/ffmpegBinaries";
import { planHighlightClips } from "../../modal/worker/pipeline/highlightClipPlan";
import { frameDurationSec, secondsArg } from "../../modal/worker/pipeline/mediaTime";
import { fitWithin, scaleFilter } from "../../modal/worker/pipeline/outputSize";
import { probeVideo } from "../../modal/worker/pipeline/probeVideo";
import { produceArtifacts } from "../../modal/worker/pipeline/produceArtifacts";
import { planStoryboard } from "../../modal/worker/pipeline/storyboardPlan";
import { createRecordingFfmpeg } from "../../modal/worker/testing/recordingFfmpeg";
import { median, numberArg, reportResult, round } from "./benchSupport";

const RUNS = numberArg("runs", 3);
const INPUT_SECONDS = numberArg("seconds", 60);
const BUDGET_MS = numberArg("budget-s", 600) * 1000;
// The same settings as the pipeline's modules (renderStills, scanFullVideo, encodeHighlightClips).
const SCENE_CUT_SCORE = 0.3 * (100 / 2.56);

async function generateInput(folder: string): Promise<string> {
  const file = path.join(folder, "input-1080p30.mp4");
  await runFfmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=1920x1080:rate=30:duration=${INPUT_SECONDS}`],
    ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${INPUT_SECONDS}`],
    ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "60"],
    ...["-c:a", "aac", "-b:a", "128k", "-shortest", file],
  ]);
  return file;
}

/** One FFmpeg process per artifact; returns how many processes it ran. */
async function naivePipeline(input: string, media: Media, out: string): Promise<number> {
  const threads = ["-threads", String(availableParallelism())];
  const run = (args: string[]) => runFfmpeg([...threads, ...args], { cwd: out });
  const still = (atSec: number, maxSide: number, quality: string, file: string) =>
    run(["-ss", secondsArg(atSec), "-i", input, "-vf", scaleFilter(fitWithin(media, maxSide)), "-frames:v", "1", "-q:v", quality, file]);
  let processes = 0;

  await still(media.durationSec * 0.1, 1280, "3", "poster.jpg");
  processes++;
  for (let i = 0; i < 6; i++) {
    await still(((i + 0.5) / 6) * media.durationSec, 320, "5", `thumbnail-${i}.jpg`);
    processes++;
  }

  const segments = Array.from({ length: 4 }, (_, slot) => {
    const start = Math.max(0, ((slot + 0.5) / 4) * media.durationSec - 0.75);
    return `gte(t,${start.toFixed(3)})*lt(t,${(start + 1.5).toFixed(3)})`;
  }).join("+");
  await run(["-i", input, "-vf", `fps=10,select='${segments}',${scaleFilter(fitWithin(media, 320))},setpts=N/10/TB`,
    "-c:v", "libwebp_anim", "-loop", "0", "-quality", "70", "preview.webp"]);
  processes++;

  const board = planStoryboard(media.durationSec, media);
  await run(["-i", input, "-vf",
    `fps=1/${board.intervalSec},tpad=stop_mode=clone:stop=${board.tileCount},trim=end_frame=${board.tileCount},` +
      `${scaleFilter(board.tile)},tile=${board.columns}x${board.rows}`,
    "-q:v", "5", "-start_number", "0", "storyboard-%d.jpg"]);
  processes++;

  const cuts: number[] = [];
  let frameSec = 0;
  await runFfmpeg([...threads, "-i", input, "-vf",
    `${scaleFilter(fitWithin(media, 160))},scdet,metadata=mode=print:key=lavfi.scd.score:file=pipe\\:1`, "-f", "null", "-"], {
    cwd: out,
    onStdoutLine: (line) => {
      const time = line.match(/pts_time:(-?[\d.]+)/);
      if (time) frameSec = Number(time[1]);
      const score = line.match(/^lavfi\.scd\.score=([\d.]+)$/);
      if (score && Number(score[1]) > SCENE_CUT_SCORE && frameSec > 0) cuts.push(frameSec);
    },
  });
  processes++;

  const clipSize = fitWithin(media, 1280);
  for (const [index, clip] of planHighlightClips(cuts, media.durationSec).entries()) {
    await run(["-ss", secondsArg(Math.max(0, clip.startSec - frameDurationSec(media) / 2)), "-i", input,
      "-t", secondsArg(clip.durationSec), "-vf", scaleFilter(clipSize),
      "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
      "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", `clip-${index}.mp4`]);
    processes++;
  }

  await run(["-i", input, "-vn", "-map", "0:a:0", "-c:a", "copy", "-movflags", "+faststart", "audio.m4a"]);
  return processes + 1;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/** How many FFmpeg processes one `produceArtifacts` run starts (one untimed run, recorded). */
async function countPipelineProcesses(input: string, media: Awaited<ReturnType<typeof probeVideo>>, folder: string): Promise<number> {
  const recording = await createRecordingFfmpeg();
  const out = path.join(folder, "counted");
  await mkdir(out);
  const previous = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = recording.path;
  try {
    await produceArtifacts({ inputPath: input, media, workDir: out, signal: new AbortController().signal, onProgress: () => {} });
    return (await recording.runs()).length;
  } finally {
    if (previous === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = previous;
    await recording.dispose();
    await rm(out, { recursive: true, force: true });
  }
}

async function main() {
  const folder = await mkdtemp(path.join(tmpdir(), "reeldrop-bench-processing-"));
  try {
    const generateSeconds = await timed(() => generateInput(folder));
    const input = path.join(folder, "input-1080p30.mp4");
    const media = await probeVideo(input, { maxDurationSec: 14_400 });
    console.log(`generated ${media.width}x${media.height} ${media.fps} fps ${round(media.durationSec, 1)} s input in ${round(generateSeconds, 1)} s`);

    const pipelineProcesses = await countPipelineProcesses(input, media, folder);
    const pipelineRuns: number[] = [];
    const naiveRuns: number[] = [];
    let naiveProcesses = 0;
    let artifactCount = 0;
    const deadline = Date.now() + BUDGET_MS;
    for (let run = 0; run < RUNS && Date.now() < deadline; run++) {
      // Alternate which goes first, so neither always runs on a warm page cache.
      const order = run % 2 === 0 ? ["pipeline", "naive"] : ["naive", "pipeline"];
      for (const which of order) {
        const out = path.join(folder, `${which}-${run}`);
        await mkdir(out);
        if (which === "pipeline") {
          const seconds = await timed(async () => {
            const artifacts = await produceArtifacts({
              inputPath: input,
              media,
              workDir: out,
              signal: new AbortController().signal,
              onProgress: () => {},
            });
            artifactCount = artifacts.length;
          });
          pipelineRuns.push(seconds);
        } else {
          naiveRuns.push(await timed(async () => (naiveProcesses = await naivePipeline(input, media, out))));
        }
        await rm(out, { recursive: true, force: true });
      }
      console.log(`run ${run + 1}: pipeline ${round(pipelineRuns.at(-1)!, 1)} s, naive ${round(naiveRuns.at(-1)!, 1)} s`);
    }

    const minutes = media.durationSec / 60;
    const pipelineSeconds = median(pipelineRuns);
    const naiveSeconds = median(naiveRuns);
    const result = {
      input: `${media.width}x${media.height} ${media.fps} fps, ${round(media.durationSec, 1)} s, testsrc2 + sine, libx264 veryfast`,
      runs: pipelineRuns.length,
      pipelineRunsSeconds: pipelineRuns.map((s) => round(s, 1)),
      naiveRunsSeconds: naiveRuns.map((s) => round(s, 1)),
      pipelineProcesses,
      naiveProcesses,
      artifacts: artifactCount,
      pipelineWallSecondsPerInputMinute: round(pipelineSeconds / minutes, 1),
      naiveWallSecondsPerInputMinute: round(naiveSeconds / minutes, 1),
      naiveOverPipeline: round(naiveSeconds / pipelineSeconds, 2),
      pipelineRealTimeFactor: round(media.durationSec / pipelineSeconds, 2),
      naiveRealTimeFactor: round(media.durationSec / naiveSeconds, 2),
    };
    console.log(
      `pipeline ${result.pipelineWallSecondsPerInputMinute} s per input minute (${result.pipelineRealTimeFactor}x real time), ` +
        `naive ${result.naiveWallSecondsPerInputMinute} s (${result.naiveRealTimeFactor}x): naive/pipeline ${result.naiveOverPipeline}`,
    );
    reportResult("processingThroughput", result);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
