/**
 * A claimed `captions` task (issue 21): the source's sound as 16 kHz mono WAV (one ffmpeg read
 * of the presigned URL, no video decoded), the transcription CLI on it (`transcribeAudio`, its
 * progress as the `transcribe` stage), then `captions_vtt/<index>.vtt` (`captionsVtt`) and
 * `transcript/<index>.json` written under the task's folder for upload. A `CaptionsError`
 * becomes the task's failure code (`captionsFailure`); no speech is a result, not a failure.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Media } from "../../../convex/lib/validators";
import { artifactRelativePath, describeArtifactFile, prepareArtifactFolder, type ProducedArtifact } from "../pipeline/artifactFiles";
import { runFfmpeg } from "../pipeline/ffmpegBinaries";
import { boundedInputArgs, ffmpegTimeLimitMs } from "../pipeline/runBounds";
import { ReportedFailure } from "../reportedFailure";
import { CaptionsError, transcribeAudio, type CaptionsSettings } from "./transcribeAudio";
import type { Transcript } from "./transcript";
import { captionsVtt } from "./webVtt";

/** Whisper's own rate: decoding to it once here spares the CLI a resample of the whole source. */
const SAMPLE_RATE = "16000";
/** A transcription may take this long per second of sound (CPU base ~0.2×, a loaded machine more) … */
const TRANSCRIBE_SEC_PER_SOURCE_SEC = 2;
/** … and at least this long (loading the model included). */
const TRANSCRIBE_MIN_MS = 120_000;

export type CaptionsTaskRun = {
  source: string;
  media: Media;
  index: number;
  workDir: string;
  signal: AbortSignal;
  settings?: CaptionsSettings;
  onStage: (stage: "audio" | "transcribe", pct: number) => void;
};

export type CaptionsTaskResult = { transcript: Transcript; artifacts: ProducedArtifact[] };

export async function transcribeTask(run: CaptionsTaskRun): Promise<CaptionsTaskResult> {
  const { media, workDir, index } = run;
  if (!media.hasAudio) throw new ReportedFailure("no_audio", "The video has no sound track.");
  const audioPath = join(workDir, "audio.wav");
  const http = /^https?:/.test(run.source) ? ["-reconnect", "1", "-reconnect_on_network_error", "1"] : [];
  run.onStage("audio", 0);
  try {
    // ffmpeg: the first audio track of the source → 16 kHz mono 16-bit WAV (no video decoded).
    await runFfmpeg(
      [
        ...[...http, ...boundedInputArgs(media), "-i", run.source],
        ...["-map", "0:a:0", "-vn", "-ac", "1", "-ar", SAMPLE_RATE, "-c:a", "pcm_s16le", audioPath],
      ],
      {
        signal: run.signal,
        timeLimitMs: ffmpegTimeLimitMs(media.durationSec),
        progress: { durationSec: media.durationSec, onProgress: (pct) => run.onStage("audio", pct) },
      },
    );
  } catch (error) {
    if (run.signal.aborted) throw error;
    throw new ReportedFailure("audio_unreadable", "The video's sound could not be read.", { cause: error });
  }
  run.onStage("transcribe", 0);
  await prepareArtifactFolder(workDir, "transcript");
  await prepareArtifactFolder(workDir, "captions_vtt");
  const transcriptPath = join(workDir, artifactRelativePath("transcript", index));
  let transcript: Transcript;
  try {
    transcript = await transcribeAudio({
      audioPath,
      outPath: transcriptPath,
      ...(run.settings === undefined ? {} : { settings: run.settings }),
      signal: run.signal,
      timeLimitMs: Math.max(TRANSCRIBE_MIN_MS, media.durationSec * TRANSCRIBE_SEC_PER_SOURCE_SEC * 1000),
      onProgress: (processed, duration) => run.onStage("transcribe", duration > 0 ? (100 * processed) / duration : 0),
    });
  } catch (error) {
    if (error instanceof CaptionsError) throw captionsFailure(error);
    throw error;
  }
  await writeFile(join(workDir, artifactRelativePath("captions_vtt", index)), captionsVtt(transcript));
  const artifacts = await Promise.all([
    describeArtifactFile(workDir, "captions_vtt", index, { durationSec: transcript.duration }),
    describeArtifactFile(workDir, "transcript", index, { durationSec: transcript.duration }),
  ]);
  return { transcript, artifacts };
}

/** The task's failure for a `CaptionsError`: a crash or a time-out is retried, the rest stick. */
export function captionsFailure(error: CaptionsError): ReportedFailure {
  switch (error.code) {
    case "no_audio":
      return new ReportedFailure("no_audio", "The video has no sound track.", { cause: error });
    case "audio_unreadable":
      return new ReportedFailure("audio_unreadable", "The video's sound could not be read.", { cause: error });
    case "model_missing":
    case "python_unavailable":
      return new ReportedFailure("captions_unavailable", "The transcriber is not available on this worker.", { cause: error });
    case "timed_out":
    case "failed":
      return new ReportedFailure("processing_error", "Transcribing failed.", { cause: error });
  }
}
