/** Every tunable of the upload engine, with its default, in one place. */

export interface UploadOptions {
  /** Parts sent at the same time. Browsers open about 6 connections per host, hence the cap. */
  concurrency: number;
  /**
   * Parts signed per `getUploadPartUrls` call (the server takes at most 100). 32 keeps an
   * upload at or under one call per 20 parts even with the small first call (the README has the count).
   */
  urlBatchSize: number;
  /** A cached URL that expires within this margin is re-signed before use (clock skew, queueing). */
  urlRefreshMarginMs: number;
  /** Wait before the n-th retry of a part; the last entry repeats. Each wait is jittered to 50–100 %. */
  retryDelaysMs: readonly number[];
  /** PUT attempts per part that may end in a network error, stall, 5xx, 408 or 429. */
  maxAttemptsPerPart: number;
  /** Fresh URLs per part after storage answered 403 (expired or otherwise refused URL). */
  maxUrlRefreshesPerPart: number;
  /** Re-reads and re-sends per part (fresh checksum and URL) after storage refused its body (400 BadDigest). */
  maxIntegrityResendsPerPart: number;
  /** An attempt with no upload progress for this long is aborted and retried. */
  stallTimeoutMs: number;
  /** Time constant of the exponentially weighted moving average behind speed and ETA. */
  speedSmoothingMs: number;
}

export const MAX_CONCURRENCY = 6;
export const MAX_URL_BATCH_SIZE = 100;

export const DEFAULT_UPLOAD_OPTIONS: Readonly<UploadOptions> = Object.freeze({
  concurrency: 4,
  urlBatchSize: 32,
  urlRefreshMarginMs: 60_000,
  retryDelaysMs: Object.freeze([0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000]),
  maxAttemptsPerPart: 8,
  maxUrlRefreshesPerPart: 2,
  maxIntegrityResendsPerPart: 2,
  stallTimeoutMs: 30_000,
  speedSmoothingMs: 5_000,
});

/** The defaults with `overrides` applied; throws a RangeError for values the engine cannot honour. */
export function resolveUploadOptions(overrides: Partial<UploadOptions> = {}): UploadOptions {
  const options: UploadOptions = { ...DEFAULT_UPLOAD_OPTIONS, ...overrides };
  requireInteger("concurrency", options.concurrency, 1, MAX_CONCURRENCY);
  requireInteger("urlBatchSize", options.urlBatchSize, 1, MAX_URL_BATCH_SIZE);
  requireInteger("maxAttemptsPerPart", options.maxAttemptsPerPart, 1, Number.MAX_SAFE_INTEGER);
  requireInteger("maxUrlRefreshesPerPart", options.maxUrlRefreshesPerPart, 0, Number.MAX_SAFE_INTEGER);
  requireInteger("maxIntegrityResendsPerPart", options.maxIntegrityResendsPerPart, 0, Number.MAX_SAFE_INTEGER);
  for (const [name, value] of [
    ["urlRefreshMarginMs", options.urlRefreshMarginMs],
    ["stallTimeoutMs", options.stallTimeoutMs],
    ["speedSmoothingMs", options.speedSmoothingMs],
  ] as const) {
    if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
  }
  if (options.retryDelaysMs.length === 0 || options.retryDelaysMs.some((delay) => !(delay >= 0))) {
    throw new RangeError("retryDelaysMs must be a non-empty list of non-negative numbers");
  }
  return options;
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
