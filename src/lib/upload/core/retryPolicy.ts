/**
 * What to do after one attempt to PUT a part: accept it, wait and retry, fetch a fresh URL,
 * re-read and re-send, or give up — each with its own bounded budget per part.
 */
import type { UploadOptions } from "./options";
import type { PartPutResponse } from "./partTransport";
import { UploadError } from "./uploadError";

export type PartAttemptResult =
  | { kind: "response"; response: PartPutResponse }
  | { kind: "network_error" }
  | { kind: "stalled" };

export type PartRetryDecision =
  | { action: "accept"; etag: string }
  | { action: "retry_after"; delayMs: number }
  | { action: "refresh_url" }
  | { action: "resend" }
  | { action: "fail"; error: UploadError };

type RetryLimits = Pick<
  UploadOptions,
  "retryDelaysMs" | "maxAttemptsPerPart" | "maxUrlRefreshesPerPart" | "maxIntegrityResendsPerPart"
>;

/** The retry budget of one part; `decide` spends from it. */
export class PartRetryBudget {
  private transientFailures = 0;
  private urlRefreshes = 0;
  private integrityResends = 0;

  constructor(
    private readonly partNumber: number,
    private readonly limits: RetryLimits,
    private readonly random: () => number,
  ) {}

  decide(result: PartAttemptResult): PartRetryDecision {
    if (result.kind === "network_error") return this.transient("network", "the connection failed");
    if (result.kind === "stalled") return this.transient("network", "the upload stalled");
    const { status, etag, errorCode } = result.response;
    const part = `part ${this.partNumber}`;

    if (status >= 200 && status < 300) {
      // Storage checked the body against the signed CRC32C before answering 2xx; the ETag is the
      // receipt CompleteMultipartUpload needs, and says nothing the engine could check.
      if (etag === null || etag.trim() === "") {
        return fail(
          "missing_etag",
          `Storage accepted ${part} but the browser could not read its ETag response header. ` +
            "The bucket's CORS rule must list ETag in ExposeHeaders.",
        );
      }
      return { action: "accept", etag: etag.trim() };
    }
    if (status === 0) return this.transient("network", "the connection failed");
    if (status === 403) {
      // Storage says 403 for an expired URL ("Request has expired") and for a refused signature
      // (a checksum header other than the signed one); a fresh URL fixes the first and, after a
      // bounded number of tries, exposes the second.
      if (this.urlRefreshes < this.limits.maxUrlRefreshesPerPart) {
        this.urlRefreshes += 1;
        return { action: "refresh_url" };
      }
      return fail(
        "storage_rejected",
        `Storage refused ${part} (HTTP 403${errorCode ? ` ${errorCode}` : ""}) even with a freshly signed URL.`,
      );
    }
    if (status === 400 && errorCode === "BadDigest") {
      // The body did not match the signed CRC32C: re-read the part (the file may have changed,
      // or a read went wrong), with a fresh checksum and URL.
      return this.integrity(`the bytes of ${part} changed on the way to storage (BadDigest)`);
    }
    if (status === 408 || status === 429 || status >= 500) {
      return this.transient("storage_unavailable", `storage answered HTTP ${status}`);
    }
    if (status === 404 && errorCode === "NoSuchUpload") {
      return fail(
        "storage_rejected",
        "This upload no longer exists in storage (it was canceled or expired). Start the upload again.",
      );
    }
    return fail("storage_rejected", `Storage refused ${part} with HTTP ${status}${errorCode ? ` ${errorCode}` : ""}.`);
  }

  private transient(code: "network" | "storage_unavailable", what: string): PartRetryDecision {
    this.transientFailures += 1;
    if (this.transientFailures >= this.limits.maxAttemptsPerPart) {
      return fail(code, `Uploading part ${this.partNumber} failed ${this.transientFailures} times; last time ${what}.`);
    }
    const delays = this.limits.retryDelaysMs;
    const base = delays[Math.min(this.transientFailures - 1, delays.length - 1)] ?? 0;
    return { action: "retry_after", delayMs: base * (0.5 + 0.5 * this.random()) };
  }

  private integrity(what: string): PartRetryDecision {
    if (this.integrityResends < this.limits.maxIntegrityResendsPerPart) {
      this.integrityResends += 1;
      return { action: "resend" };
    }
    return fail("integrity", `Upload stopped: ${what}, every time it was re-sent.`);
  }
}

function fail(code: UploadError["code"], message: string): PartRetryDecision {
  return { action: "fail", error: new UploadError(code, message) };
}
