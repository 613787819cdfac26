/**
 * Runs one claimed task to READY, as `processClaimedJob.ts` runs a job, through the same
 * `runClaimedWork` (heartbeat, temporary folder, stop and failure path) and artifact upload. A
 * clip: cut and encode it from the source's presigned URL (`pipeline/renderCustomClip.ts`),
 * upload the clip and its poster through presigned PUTs, record them, complete.
 */
import type { ClaimedTask } from "../../convex/lib/workerProtocol";
import { DEFAULT_FFMPEG_THREADS } from "./pipeline/produceArtifacts";
import { renderCustomClip } from "./pipeline/renderCustomClip";
import { runClaimedWork, throwIfStopped, uploadArtifacts, type JobOutcome, type ProcessJobDeps } from "./processClaimedJob";

export async function processClaimedTask(task: ClaimedTask, deps: ProcessJobDeps): Promise<JobOutcome> {
  const { api, log } = deps;
  const send = deps.fetch ?? fetch;
  const claim = { taskId: task.taskId, claimToken: task.claimToken };
  const folder = `reeldrop-${task.kind}-${task.taskId}-`;
  return await runClaimedWork(claim, task.leaseSeconds, deps, folder, async ({ heartbeat, signal, workDir }) => {
    heartbeat.report("render", 0);
    const artifacts = await renderCustomClip({
      source: task.source.url,
      media: task.media,
      clip: task.clip,
      workDir,
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
