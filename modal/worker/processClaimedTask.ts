/**
 * Runs one claimed task to READY, as `processClaimedJob.ts` runs a job, through the same
 * `runClaimedWork` (heartbeat, temporary folder, stop and failure path) and artifact upload. A
 * clip: cut and encode it from the source's presigned URL (`pipeline/renderCustomClip.ts`),
 * upload the clip and its poster through presigned PUTs, record them, complete (with captions
 * asked for, the range's words from the job's transcript burned in). Captions: the source's
 * sound transcribed (`captions/transcribeTask.ts`), the VTT and the transcript uploaded and
 * recorded, complete saying whether there was speech.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ClaimedTask } from "../../convex/lib/workerProtocol";
import { DEFAULT_FFMPEG_THREADS } from "./pipeline/produceArtifacts";
import { renderCustomClip } from "./pipeline/renderCustomClip";
import { runClaimedWork, throwIfStopped, uploadArtifacts, type JobOutcome, type ProcessJobDeps } from "./processClaimedJob";
import { BURN_IN_CUE_OPTIONS } from "./captions/burnCaptions";
import { transcribeTask } from "./captions/transcribeTask";
import { transcriptSchema } from "./captions/transcript";
import { clipCaptionsVtt } from "./captions/webVtt";

export async function processClaimedTask(task: ClaimedTask, deps: ProcessJobDeps): Promise<JobOutcome> {
  const { api, log } = deps;
  const send = deps.fetch ?? fetch;
  const claim = { taskId: task.taskId, claimToken: task.claimToken };
  const folder = `reeldrop-${task.kind}-${task.taskId}-`;
  return await runClaimedWork(claim, task.leaseSeconds, deps, folder, async ({ heartbeat, signal, workDir }) => {
    if (task.kind === "captions") {
      const { transcript, artifacts } = await transcribeTask({
        source: task.source.url,
        media: task.media,
        index: task.index,
        workDir,
        signal,
        ...(deps.captionsSettings === undefined ? {} : { settings: deps.captionsSettings }),
        onStage: (stage, pct) => heartbeat.report(stage, pct),
      });
      heartbeat.report("upload", 0);
      await uploadArtifacts(api, send, claim, artifacts, signal, (pct) => heartbeat.report("upload", pct));
      throwIfStopped(signal);
      const language = transcript.speech && transcript.language ? transcript.language.slice(0, 16) : undefined;
      await api.complete({ ...claim, captions: { speech: transcript.speech, ...(language === undefined ? {} : { language }) } });
      log.info("task ready", { taskId: task.taskId, jobId: task.jobId, kind: task.kind, speech: transcript.speech });
      return;
    }
    heartbeat.report("render", 0);
    const captionsVttPath =
      task.clip.captions === undefined ? undefined : await clipCaptionsFile(send, task.clip.captions.transcriptUrl, task.clip, workDir, signal);
    const { captions: _burn, ...clip } = task.clip;
    const artifacts = await renderCustomClip({
      source: task.source.url,
      media: task.media,
      clip,
      workDir,
      ...(captionsVttPath === undefined ? {} : { captionsVttPath }),
      threads: deps.ffmpegThreads ?? DEFAULT_FFMPEG_THREADS,
      signal,
      onProgress: (pct) => heartbeat.report("render", pct),
    });
    heartbeat.report("upload", 0);
    await uploadArtifacts(api, send, claim, artifacts, signal, (pct) => heartbeat.report("upload", pct));
    throwIfStopped(signal);
    await api.complete(claim);
    log.info("task ready", { taskId: task.taskId, jobId: task.jobId, kind: task.kind });
  });
}

/** The job's transcript (its presigned GET), cut to the clip's range and timed from its start, as a file for libass. */
async function clipCaptionsFile(
  send: typeof fetch,
  transcriptUrl: string,
  clip: { startSec: number; endSec: number },
  workDir: string,
  signal: AbortSignal,
): Promise<string> {
  const response = await send(transcriptUrl, { signal });
  if (!response.ok) throw new Error(`Reading the transcript failed with HTTP ${response.status}`);
  const transcript = transcriptSchema.parse(await response.json());
  const path = join(workDir, "burn-in.vtt");
  await writeFile(path, clipCaptionsVtt(transcript, clip.startSec, clip.endSec, BURN_IN_CUE_OPTIONS));
  return path;
}
