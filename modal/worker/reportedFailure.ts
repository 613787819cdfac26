/**
 * A failure the worker reports with a code of the protocol's own (`WORKER_FAILURE_CODES`), for
 * work whose failures are not a job's (`PipelineError`): a captions task's `no_audio`,
 * `audio_unreadable`, `captions_unavailable`, or `processing_error` for one worth retrying.
 */
import type { WorkerFailureCode } from "../../convex/lib/workerProtocol";

export class ReportedFailure extends Error {
  constructor(
    readonly code: WorkerFailureCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ReportedFailure";
  }
}
