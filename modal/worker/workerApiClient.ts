/**
 * The worker's client for the Convex worker API (`convex/http.ts`). Request and response
 * shapes come from the shared contract in `convex/lib/workerProtocol.ts`. Each request has a
 * time limit; network errors, requests over their limit and 5xx answers are retried a few
 * times with jittered backoff; a 409 becomes `StaleClaimError`. A claim names itself with a
 * request id that its retries repeat, so a retry gets the job the first try claimed.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import * as protocol from "../../convex/lib/workerProtocol";

export class StaleClaimError extends Error {
  constructor() {
    super("This worker no longer holds the job.");
    this.name = "StaleClaimError";
  }
}

/** No answer (headers and body) within the request's time limit, on every try. */
export class WorkerApiTimeoutError extends Error {
  constructor(
    readonly route: string,
    readonly timeoutMs: number,
  ) {
    super(`${route} did not answer within ${timeoutMs} ms`);
    this.name = "WorkerApiTimeoutError";
  }
}

/**
 * How long one request may take, answer included, before it is given up and retried. Without
 * a limit one stalled request (undici waits 300 s) holds back every later heartbeat until the
 * lease runs out while the worker is healthy. The worker learns the lease only from a claim,
 * after this client exists: the default lease is 120 s (`WORKER_LEASE_SECONDS`), so a beat is
 * due every 40 s; 10 s is far above a healthy call (tens of ms) and well under lease/3. A
 * heartbeat passes a limit derived from its job's actual lease (`jobHeartbeat.ts`).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class WorkerApiError extends Error {
  constructor(
    readonly route: string,
    readonly status: number,
    message: string,
  ) {
    super(`${route} answered ${status}: ${message}`);
    this.name = "WorkerApiError";
  }
}

export type WorkerApiClientOptions = {
  siteUrl: string;
  secret: string;
  fetch?: typeof fetch;
  /** Delays between attempts for network errors, timeouts and 5xx answers. */
  retryDelaysMs?: readonly number[];
  /** Time limit of one request (`DEFAULT_REQUEST_TIMEOUT_MS`); a call may pass its own. */
  requestTimeoutMs?: number;
};

/** Per call: a time limit for each of its requests, instead of the client's. */
export type CallOptions = { timeoutMs?: number };

export type WorkerApi = ReturnType<typeof createWorkerApiClient>;

export function createWorkerApiClient(options: WorkerApiClientOptions) {
  const send = options.fetch ?? fetch;
  const retryDelaysMs = options.retryDelaysMs ?? [250, 1000, 3000];
  const defaultTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  /** One try: the status and the whole body, or a `WorkerApiTimeoutError` past `timeoutMs`. */
  async function post(route: string, payload: string, timeoutMs: number): Promise<{ status: number; text: string }> {
    // Node's timers take whole milliseconds only.
    const deadline = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    try {
      const response = await send(`${options.siteUrl}${route}`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.secret}`, "content-type": "application/json" },
        body: payload,
        signal: deadline,
      });
      // Inside the limit too: a server that sends its headers and then stalls is as stuck.
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (deadline.aborted) throw new WorkerApiTimeoutError(route, timeoutMs);
      throw error;
    }
  }

  async function call<Req extends z.ZodTypeAny, Res extends z.ZodTypeAny>(
    route: string,
    requestSchema: Req,
    responseSchema: Res,
    body: z.input<Req>,
    callOptions: CallOptions = {},
  ): Promise<z.output<Res>> {
    const payload = JSON.stringify(requestSchema.parse(body));
    const timeoutMs = callOptions.timeoutMs ?? defaultTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      let answer: { status: number; text: string };
      try {
        answer = await post(route, payload, timeoutMs);
      } catch (error) {
        // A network error or no answer in time: the request may still have reached Convex.
        // A repeat is safe: artifacts are upserts, a second complete or fail is refused as
        // stale, and a repeated claim names the same request.
        if (attempt < retryDelaysMs.length) {
          await sleepWithJitter(retryDelaysMs[attempt]!);
          continue;
        }
        throw error;
      }
      if (answer.status === 409) throw new StaleClaimError();
      if (answer.status >= 500 && attempt < retryDelaysMs.length) {
        await sleepWithJitter(retryDelaysMs[attempt]!);
        continue;
      }
      if (answer.status < 200 || answer.status > 299) {
        throw new WorkerApiError(route, answer.status, errorMessageOf(answer.text));
      }
      return responseSchema.parse(JSON.parse(answer.text));
    }
  }

  const R = protocol.WORKER_ROUTES;
  return {
    info: () => call(R.info, protocol.infoRequest, protocol.infoResponse, {}),
    /**
     * One request id per call, repeated by its retries: a retry gets the work already claimed.
     * `kinds`: the work this worker serves (unset: jobs only).
     */
    claim: (workerId: string, kinds?: readonly protocol.WorkKind[]) =>
      call(R.claim, protocol.claimRequest, protocol.claimResponse, {
        workerId,
        requestId: randomUUID(),
        ...(kinds === undefined ? {} : { kinds: [...kinds] }),
      }),
    heartbeat: (body: z.input<typeof protocol.heartbeatRequest>, callOptions?: CallOptions) =>
      call(R.heartbeat, protocol.heartbeatRequest, protocol.heartbeatResponse, body, callOptions),
    artifactUploadUrls: (body: z.input<typeof protocol.artifactUploadUrlsRequest>) =>
      call(R.artifactUploadUrls, protocol.artifactUploadUrlsRequest, protocol.artifactUploadUrlsResponse, body),
    recordArtifact: (body: z.input<typeof protocol.artifactRequest>) =>
      call(R.artifacts, protocol.artifactRequest, protocol.artifactResponse, body),
    complete: (body: z.input<typeof protocol.completeRequest>) =>
      call(R.complete, protocol.completeRequest, protocol.completeResponse, body),
    fail: (body: z.input<typeof protocol.failRequest>) =>
      call(R.fail, protocol.failRequest, protocol.failResponse, body),
  };
}

function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // Not JSON: fall through to the raw text, shortened.
  }
  return text.slice(0, 200);
}

function sleepWithJitter(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms / 2 + (Math.random() * ms) / 2));
}
