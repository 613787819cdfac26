/**
 * The worker's client for the Convex worker API (`convex/http.ts`). Request and response
 * shapes come from the shared contract in `convex/lib/workerProtocol.ts`. Network errors and
 * 5xx answers are retried a few times with jittered backoff; a 409 becomes `StaleClaimError`.
 */
import type { z } from "zod";
import * as protocol from "../../convex/lib/workerProtocol";

export class StaleClaimError extends Error {
  constructor() {
    super("This worker no longer holds the job.");
    this.name = "StaleClaimError";
  }
}

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
  /** Delays between attempts for network errors and 5xx answers. */
  retryDelaysMs?: readonly number[];
};

export type WorkerApi = ReturnType<typeof createWorkerApiClient>;

export function createWorkerApiClient(options: WorkerApiClientOptions) {
  const send = options.fetch ?? fetch;
  const retryDelaysMs = options.retryDelaysMs ?? [250, 1000, 3000];

  async function call<Req extends z.ZodTypeAny, Res extends z.ZodTypeAny>(
    route: string,
    requestSchema: Req,
    responseSchema: Res,
    body: z.input<Req>,
  ): Promise<z.output<Res>> {
    const payload = JSON.stringify(requestSchema.parse(body));
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await send(`${options.siteUrl}${route}`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.secret}`, "content-type": "application/json" },
          body: payload,
        });
      } catch (error) {
        if (attempt < retryDelaysMs.length) {
          await sleepWithJitter(retryDelaysMs[attempt]!);
          continue;
        }
        throw error;
      }
      if (response.status === 409) throw new StaleClaimError();
      if (response.status >= 500 && attempt < retryDelaysMs.length) {
        await sleepWithJitter(retryDelaysMs[attempt]!);
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new WorkerApiError(route, response.status, errorMessageOf(text));
      return responseSchema.parse(JSON.parse(text));
    }
  }

  const R = protocol.WORKER_ROUTES;
  return {
    info: () => call(R.info, protocol.infoRequest, protocol.infoResponse, {}),
    claim: (workerId: string) => call(R.claim, protocol.claimRequest, protocol.claimResponse, { workerId }),
    heartbeat: (body: z.input<typeof protocol.heartbeatRequest>) =>
      call(R.heartbeat, protocol.heartbeatRequest, protocol.heartbeatResponse, body),
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
