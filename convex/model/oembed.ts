"use node";
/**
 * The one call Reeldrop makes to YouTube: its oEmbed endpoint, for a video's title, author and
 * thumbnail. Metadata is a nicety, so every network condition becomes a result, never an
 * exception: the caller falls back to what the id alone tells us, and the app works offline.
 *
 * Outcomes (status or condition → result, retried?):
 *   200 + oEmbed JSON                        → found (sanitized meta)          no
 *   400, 404                                 → not_found                       no
 *   401, 403 (private, not embeddable)       → unavailable "forbidden"         no
 *   408, timeout                             → unavailable "timeout"           yes
 *   429                                      → unavailable "rate_limited"      yes
 *   5xx                                      → unavailable "server_error"      yes
 *   DNS / connection / socket errors         → unavailable "network"           yes
 *   other status (3xx, other 4xx)            → unavailable "unexpected_status" no
 *   200 + not JSON (an HTML page)            → unavailable "not_json"          no
 *   200 + unparsable JSON                    → unavailable "invalid_json"      no
 *   200 + JSON that is not a video's oEmbed  → unavailable "invalid_response"  no
 *   body over maxBytes                       → unavailable "too_large"         no
 * The last four are deterministic answers: asking again would get the same page back.
 */
import { request, type Dispatcher } from "undici";
import { functionEnv } from "./functionEnv";
import { oEmbedResponse, sanitizeOEmbed } from "../lib/sourceMeta";
import { canonicalWatchUrl } from "../lib/youtube";
import type { SourceMeta } from "../lib/validators";

export const OEMBED_DEFAULTS = {
  endpoint: "https://www.youtube.com/oembed",
  /** The longest one attempt may take, from connecting to the last byte. */
  timeoutMs: 5000,
  /** YouTube's answers are about 1 KiB; anything near this is not an oEmbed answer. */
  maxBytes: 64 * 1024,
  /** Further attempts after a transient failure. */
  retries: 2,
  /** The delay before the first retry; it doubles for each one after, with jitter. */
  retryBaseDelayMs: 300,
} as const;

export type FetchOEmbedOptions = {
  /** Default: the OEMBED_ENDPOINT environment variable, read at call time, else YouTube's. */
  endpoint?: string;
  /** Default: undici's global dispatcher. Tests pass a MockAgent. */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  maxBytes?: number;
  retries?: number;
  retryBaseDelayMs?: number;
};

export type OEmbedUnavailableReason =
  | "forbidden"
  | "timeout"
  | "rate_limited"
  | "server_error"
  | "network"
  | "unexpected_status"
  | "not_json"
  | "invalid_json"
  | "invalid_response"
  | "too_large";

export type OEmbedResult =
  | { kind: "found"; meta: SourceMeta }
  | { kind: "not_found" }
  | { kind: "unavailable"; reason: OEmbedUnavailableReason; attempts: number; detail?: string };

type AttemptResult =
  | { kind: "found"; meta: SourceMeta }
  | { kind: "not_found" }
  | { kind: "unavailable"; reason: OEmbedUnavailableReason; detail?: string };

const TRANSIENT_REASONS: ReadonlySet<OEmbedUnavailableReason> = new Set([
  "timeout",
  "rate_limited",
  "server_error",
  "network",
]);

/**
 * Throws only when the endpoint setting is not a URL (a deployment mistake, not a network
 * condition).
 */
export async function fetchOEmbed(videoId: string, options: FetchOEmbedOptions = {}): Promise<OEmbedResult> {
  const endpoint = options.endpoint ?? (functionEnv().OEMBED_ENDPOINT?.trim() || OEMBED_DEFAULTS.endpoint);
  const url = new URL(endpoint);
  url.searchParams.set("url", canonicalWatchUrl(videoId));
  url.searchParams.set("format", "json");
  const retries = options.retries ?? OEMBED_DEFAULTS.retries;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? OEMBED_DEFAULTS.retryBaseDelayMs;
  const attemptOptions = {
    dispatcher: options.dispatcher,
    timeoutMs: options.timeoutMs ?? OEMBED_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? OEMBED_DEFAULTS.maxBytes,
  };

  for (let attempt = 1; ; attempt++) {
    const result = await requestOEmbedOnce(videoId, url, attemptOptions);
    if (result.kind !== "unavailable") return result;
    if (attempt > retries || !TRANSIENT_REASONS.has(result.reason)) return { ...result, attempts: attempt };
    await sleep(retryDelayMs(attempt, retryBaseDelayMs));
  }
}

async function requestOEmbedOnce(
  videoId: string,
  url: URL,
  { dispatcher, timeoutMs, maxBytes }: { dispatcher: Dispatcher | undefined; timeoutMs: number; maxBytes: number },
): Promise<AttemptResult> {
  let text: string;
  try {
    const response = await request(url, {
      method: "GET",
      headers: { accept: "application/json" },
      ...(dispatcher === undefined ? {} : { dispatcher }),
      // undici's own timeouts name the stage that stalled; the signal bounds the whole
      // attempt, since bodyTimeout alone restarts with every chunk of a trickling body.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { statusCode, headers, body } = response;
    if (statusCode !== 200) {
      discard(body);
      return resultForStatus(statusCode);
    }
    if (!isJsonContentType(headers["content-type"])) {
      discard(body);
      return { kind: "unavailable", reason: "not_json", detail: String(headers["content-type"]) };
    }
    if (Number(headers["content-length"]) > maxBytes) {
      discard(body);
      return { kind: "unavailable", reason: "too_large" };
    }
    const capped = await readTextUpTo(body, maxBytes);
    if (capped === null) return { kind: "unavailable", reason: "too_large" };
    text = capped;
  } catch (error) {
    return { kind: "unavailable", reason: isTimeout(error) ? "timeout" : "network", detail: describeError(error) };
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "unavailable", reason: "invalid_json" };
  }
  const parsed = oEmbedResponse.safeParse(json);
  if (!parsed.success) return { kind: "unavailable", reason: "invalid_response", detail: parsed.error.message };
  return { kind: "found", meta: sanitizeOEmbed(videoId, parsed.data) };
}

function resultForStatus(statusCode: number): AttemptResult {
  if (statusCode === 400 || statusCode === 404) return { kind: "not_found" };
  const detail = `HTTP ${statusCode}`;
  if (statusCode === 401 || statusCode === 403) return { kind: "unavailable", reason: "forbidden", detail };
  if (statusCode === 408) return { kind: "unavailable", reason: "timeout", detail };
  if (statusCode === 429) return { kind: "unavailable", reason: "rate_limited", detail };
  if (statusCode >= 500) return { kind: "unavailable", reason: "server_error", detail };
  return { kind: "unavailable", reason: "unexpected_status", detail };
}

function isJsonContentType(header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  const mediaType = header.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/** The body as UTF-8 text, or `null` as soon as it passes `maxBytes` (the rest is not read). */
async function readTextUpTo(body: Dispatcher.ResponseData["body"], maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxBytes) {
      discard(body);
      return null;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Lets go of a body that will not be read. undici reports that as an abort error, expected here. */
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => {}).destroy();
}

const TIMEOUT_ERROR_CODES: ReadonlySet<unknown> = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

// Duck-typed rather than `instanceof`: undici's errors and the DOMException from
// AbortSignal.timeout may come from another realm than this module's `Error`.
type ErrorLike = { name?: unknown; code?: unknown; message?: unknown };

function isTimeout(error: unknown): boolean {
  const { name, code } = (error ?? {}) as ErrorLike;
  // AbortSignal.timeout rejects with a DOMException named "TimeoutError".
  return name === "TimeoutError" || TIMEOUT_ERROR_CODES.has(code);
}

function describeError(error: unknown): string {
  const { code, message } = (error ?? {}) as ErrorLike;
  const text = typeof message === "string" ? message : String(error);
  return typeof code === "string" ? `${code}: ${text}` : text;
}

/** Exponential in the attempt number, with jitter on its upper half so callers spread out. */
function retryDelayMs(attempt: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** (attempt - 1);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
