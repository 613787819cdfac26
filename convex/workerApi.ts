/**
 * The worker's HTTP API (routes registered in `http.ts`; contract in `lib/workerProtocol.ts`).
 * Each route: the shared secret (constant-time compare), a size-capped JSON body validated
 * against the contract, then internal functions that check the claim token. No request body,
 * URL or secret is ever logged.
 */
import type { z } from "zod";
import { internal } from "./_generated/api";
import type { FunctionReturnType } from "convex/server";
import type { Id } from "./_generated/dataModel";
import { httpAction, type ActionCtx } from "./_generated/server";
import { functionEnv } from "./model/functionEnv";
import { isAppError } from "./lib/appErrors";
import * as protocol from "./lib/workerProtocol";
import { maxVideoSeconds } from "./model/workerConfig";
import { isWorkerSecret, workerSecretConfigured } from "./model/workerSecret";

const MAX_BODY_BYTES = 64 * 1024;

type ClaimResponse = z.output<typeof protocol.claimResponse>;
type ClaimedRow = FunctionReturnType<typeof internal.workerQueue.claimJob>;

/** A refusal with its own status and a stable `error` code, as the contract lists them. */
class WorkerRouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
    this.name = "WorkerRouteError";
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function workerRoute<S extends z.ZodTypeAny>(
  schema: S,
  handle: (ctx: ActionCtx, body: z.output<S>) => Promise<unknown>,
) {
  return httpAction(async (ctx, request) => {
    if (!workerSecretConfigured()) {
      return json(500, { error: "WORKER_SECRET is not configured on this deployment." });
    }
    const authorization = request.headers.get("authorization") ?? "";
    const presented = authorization.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : "";
    if (!(await isWorkerSecret(presented))) return json(401, { error: "unauthorized" });

    const text = await request.text();
    if (text.length > MAX_BODY_BYTES) return json(400, { error: "The request body is too large." });
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return json(400, { error: "The request body is not JSON." });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      return json(400, {
        error: "The request body is not valid.",
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
      });
    }
    try {
      return json(200, await handle(ctx, parsed.data));
    } catch (error) {
      if (isAppError(error, "stale_claim")) {
        return json(409, { error: "stale_claim" });
      }
      if (error instanceof WorkerRouteError) return json(error.status, { error: error.code });
      // A task naming an artifact that is not its own (`taskQueue.ts`).
      if (isAppError(error, "invalid_argument")) return json(400, { error: "invalid_argument" });
      console.error(`worker route ${new URL(request.url).pathname} failed: ${error instanceof Error ? error.name : "error"}`);
      return json(500, { error: "internal_error" });
    }
  });
}

export const info = workerRoute(protocol.infoRequest, async () => ({ convexUrl: functionEnv().CONVEX_CLOUD_URL ?? null }));

// Results of ctx.run* calls are annotated: `internal` is typed from every module, this one
// included, and the annotations keep TypeScript from inferring in a circle.
export const claim = workerRoute(protocol.claimRequest, async (ctx, request): Promise<ClaimResponse> => {
  const claimed: ClaimedRow = await ctx.runMutation(internal.workerQueue.claimJob, request);
  if (claimed === null) return request.kinds === undefined ? { job: null } : { job: null, task: null };
  // The claim has committed: if its answer cannot be built, no worker will ever work on it, so
  // it is handed back now (not an attempt) instead of waiting out its lease as a lost worker.
  try {
    return await claimAnswer(ctx, claimed);
  } catch (error) {
    console.error(`worker route /worker/claim could not answer a claim: ${error instanceof Error ? error.name : "error"}`);
    await releaseUndeliveredClaim(ctx, claimed);
    throw new WorkerRouteError(503, "claim_released");
  }
});

async function releaseUndeliveredClaim(ctx: ActionCtx, claimed: NonNullable<ClaimedRow>): Promise<void> {
  try {
    if (claimed.work === "process") {
      await ctx.runMutation(internal.workerQueue.releaseUndeliveredClaim, { jobId: claimed.jobId, claimToken: claimed.claimToken });
    } else {
      await ctx.runMutation(internal.taskQueue.releaseUndeliveredClaim, { taskId: claimed.taskId, claimToken: claimed.claimToken });
    }
  } catch (error) {
    // Canceled meanwhile: the claim is gone anyway. Any other failure answers 500 and leaves
    // the work claimed under the worker's request id, so the worker's retry gets it back.
    if (!isAppError(error, "stale_claim")) throw error;
  }
}

async function claimAnswer(ctx: ActionCtx, claimed: NonNullable<ClaimedRow>): Promise<ClaimResponse> {
  const url: string = await ctx.runAction(internal.workerStorage.signSourceDownload, { key: claimed.sourceKey });
  const lease = { claimToken: claimed.claimToken, attempt: claimed.attempt, leaseExpiresAt: claimed.leaseExpiresAt, leaseSeconds: claimed.leaseSeconds };
  const source = { url, bytes: claimed.sourceBytes };
  if (claimed.work === "captions") {
    const { taskId, jobId, media, index } = claimed;
    return { job: null, task: { kind: "captions", taskId, jobId, ...lease, source, media, index } };
  }
  if (claimed.work === "clip") {
    const { taskId, jobId, media, clip, transcriptKey } = claimed;
    // A clip with captions burned in reads the job's transcript (signed as the source is).
    const captions =
      clip.captions === true && transcriptKey !== undefined
        ? { transcriptUrl: (await ctx.runAction(internal.workerStorage.signSourceDownload, { key: transcriptKey })) as string }
        : undefined;
    const { captions: _asked, ...range } = clip;
    return { job: null, task: { kind: "clip", taskId, jobId, ...lease, source, media, clip: { ...range, ...(captions ? { captions } : {}) } } };
  }
  return {
    job: {
      jobId: claimed.jobId,
      ...lease,
      maxVideoSeconds: maxVideoSeconds(),
      source,
      ...(claimed.sourceCrc32c === undefined ? {} : { sourceCrc32c: claimed.sourceCrc32c }),
    },
  };
}

/** A claimed call's body names a job (`jobId`) or a task (`taskId`); each goes to its own queue's functions. */
type Claimed<T> = Extract<T, { jobId: string }> | Extract<T, { taskId: string }>;
function isTaskCall<T extends object>(body: T): body is Extract<T, { taskId: string }> {
  return "taskId" in body;
}

export const heartbeat = workerRoute(
  protocol.heartbeatRequest,
  async (ctx, body: Claimed<z.output<typeof protocol.heartbeatRequest>>): Promise<z.output<typeof protocol.heartbeatResponse>> => {
    if (!isTaskCall(body)) return await ctx.runMutation(internal.workerQueue.heartbeat, body);
    const { taskId, claimToken, stage, pct } = body;
    return await ctx.runMutation(internal.taskQueue.heartbeat, { taskId, claimToken, stage, pct });
  },
);

export const artifactUploadUrls = workerRoute(
  protocol.artifactUploadUrlsRequest,
  async (ctx, body): Promise<z.output<typeof protocol.artifactUploadUrlsResponse>> => {
    const { claimToken, artifacts } = body;
    const id: Id<"video_jobs"> = isTaskCall(body)
      ? await ctx.runQuery(internal.taskQueue.verifyClaim, { taskId: body.taskId, claimToken, artifacts })
      : await ctx.runQuery(internal.workerQueue.verifyClaim, { jobId: body.jobId, claimToken });
    return { uploads: await ctx.runAction(internal.workerStorage.signArtifactUploads, { jobId: id, artifacts }) };
  },
);

export const artifacts = workerRoute(protocol.artifactRequest, async (ctx, body): Promise<{ artifactId: string }> => ({
  artifactId: isTaskCall(body)
    ? await ctx.runMutation(internal.taskQueue.recordArtifact, body)
    : await ctx.runMutation(internal.workerQueue.recordArtifact, body),
}));

export const complete = workerRoute(protocol.completeRequest, async (ctx, body): Promise<{ ok: true }> => {
  if (isTaskCall(body)) await ctx.runMutation(internal.taskQueue.completeTask, body);
  else await ctx.runMutation(internal.workerQueue.completeJob, { jobId: body.jobId, claimToken: body.claimToken });
  return { ok: true as const };
});

export const fail = workerRoute(protocol.failRequest, async (ctx, body): Promise<z.output<typeof protocol.failResponse>> => ({
  outcome: isTaskCall(body)
    ? await ctx.runMutation(internal.taskQueue.failClaimedTask, body)
    : await ctx.runMutation(internal.workerQueue.failClaimedJob, body),
}));
