/**
 * A pipeline failure in the job's own vocabulary: a `FailureCode`, a sentence a person
 * understands, and whether retrying the job can help (from the code's defaults).
 */
import { makeFailure, type FailureCode, type JobFailure } from "../../../convex/lib/failures";

export class PipelineError extends Error {
  readonly code: FailureCode;
  readonly retryable: boolean;

  constructor(code: FailureCode, message?: string, options?: ErrorOptions) {
    const failure = makeFailure(code, message);
    super(failure.message, options);
    this.name = "PipelineError";
    this.code = failure.code;
    this.retryable = failure.retryable;
  }

  toFailure(): JobFailure {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}
