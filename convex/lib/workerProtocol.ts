/**
 * The worker HTTP API contract, shared by `convex/http.ts` (which validates requests with
 * these schemas) and the worker's client (which builds them). Every route is a POST under
 * the deployment's site URL with `Authorization: Bearer <WORKER_SECRET>`.
 *
 * Status codes: 200 success · 400 malformed body `{ error, issues }` · 401 missing or wrong
 * secret · 409 the claim token is stale `{ error: "stale_claim" }` · 500 the secret is not
 * configured on the deployment · 503 `{ error: "claim_released" }` a claim was made but its
 * answer could not be built (the source URL could not be signed): the job was handed back, ask
 * again.
 */
import { z } from "zod";
import { ARTIFACT_KINDS } from "./artifactKinds";
import { CLIP_ASPECTS } from "./clipFrames";
import { isCrc32cChecksum } from "./crc32c";
import { TASK_KINDS } from "./taskStatus";

export const WORKER_ROUTES = {
  info: "/worker/info",
  claim: "/worker/claim",
  heartbeat: "/worker/heartbeat",
  artifactUploadUrls: "/worker/artifact-upload-urls",
  artifacts: "/worker/artifacts",
  complete: "/worker/complete",
  fail: "/worker/fail",
} as const;

// Convex ids are alphanumeric; the offline backend (convex-test) adds the table name with `_`.
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_]+$/);
const claimToken = z.string().min(1).max(100);
const workerId = z.string().min(1).max(100);
/**
 * Names one `claim()` call of the worker, the same on each of its retries, so that a retried
 * claim gets the job the first try claimed instead of another one (a UUID fits).
 */
const claimRequestId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/);
const finite = z.number().finite();
const nonNegative = finite.min(0);
const artifactKind = z.enum(ARTIFACT_KINDS);
const artifactIndex = z.number().int().min(0).max(999);
/**
 * The work a worker can serve: "process" (an uploaded job, PROCESSING → READY) and the task
 * kinds (`lib/taskStatus.ts`: "clip"; a GPU worker will serve "captions"). A claim names the
 * kinds its worker serves and gets only those.
 */
export const WORK_KINDS = ["process", ...TASK_KINDS] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/** Every call after a claim names the claimed job or task and the claim's token (fencing). */
const jobClaim = { jobId: id, claimToken };
const taskClaim = { taskId: id, claimToken };
/** A body of a claimed call: `fields` with the job's claim or the task's. */
function claimedBody<Shape extends z.ZodRawShape>(fields: Shape) {
  return z.union([z.object({ ...jobClaim, ...fields }).strict(), z.object({ ...taskClaim, ...fields }).strict()]);
}
export type ClaimRef = { jobId: string; claimToken: string } | { taskId: string; claimToken: string };

export const mediaSchema = z
  .object({
    durationSec: nonNegative,
    width: z.number().int().min(0).max(100_000),
    height: z.number().int().min(0).max(100_000),
    fps: nonNegative,
    rotation: finite,
    videoCodec: z.string().max(64),
    audioCodec: z.string().max(64).optional(),
    hasAudio: z.boolean(),
    bitrate: nonNegative.optional(),
  })
  .strict();

/** What every claimed task carries: its claim and lease, and its job's source and media. */
const claimedTaskFields = {
  taskId: id,
  jobId: id,
  claimToken,
  attempt: z.number().int(),
  leaseExpiresAt: finite,
  leaseSeconds: finite.positive(),
  /**
   * A presigned GET of the job's source, which the worker reads with range requests (no whole
   * download): a clip's range, or a captions task's sound (16 kHz mono).
   */
  source: z.object({ url: z.string().url(), bytes: nonNegative }),
  /** What the job's processing probed: the worker cuts by it without probing again. */
  media: mediaSchema,
};

export const infoRequest = z.object({}).strict();
export const infoResponse = z.object({ convexUrl: z.string().nullable() });

// `requestId` is optional so that a worker bundle older than it can still claim.
// `kinds` is optional too: a worker that names none processes jobs only, as before tasks.
export const claimRequest = z
  .object({ workerId, requestId: claimRequestId.optional(), kinds: z.array(z.enum(WORK_KINDS)).min(1).max(8).optional() })
  .strict();
export const claimResponse = z.object({
  job: z
    .object({
      jobId: id,
      claimToken,
      attempt: z.number().int(),
      leaseExpiresAt: finite,
      leaseSeconds: finite.positive(),
      maxVideoSeconds: finite.positive(),
      source: z.object({ url: z.string().url(), bytes: nonNegative }),
      /**
       * The stored source's CRC32C as S3 writes it (`x-amz-checksum-crc32c`: base64 of the 4
       * big-endian bytes), combined from the checksums storage verified on each part. The worker
       * recomputes it while downloading and fails the job as `integrity` when they differ;
       * absent (a job uploaded without part checksums), the source is not checked.
       */
      sourceCrc32c: z.string().refine(isCrc32cChecksum, "not a base64 CRC32C").optional(),
    })
    .nullable(),
  /** A claimed task, when the worker serves task kinds; `job` is then null. */
  task: z
    .discriminatedUnion("kind", [
      z.object({
        kind: z.literal("clip"),
        ...claimedTaskFields,
        clip: z.object({
          startSec: nonNegative,
          endSec: nonNegative,
          aspect: z.enum(CLIP_ASPECTS),
          index: artifactIndex,
          /**
           * Burn these captions in (`clips.requestClip` with `captions: true`): the job's
           * transcript's presigned GET, the words of the range drawn by libass.
           */
          captions: z.object({ transcriptUrl: z.string().url() }).optional(),
        }),
      }),
      z.object({
        kind: z.literal("captions"),
        ...claimedTaskFields,
        /** Its artifacts' index (`captions_vtt/<index>.vtt`, `transcript/<index>.json`): 0. */
        index: artifactIndex,
      }),
    ])
    .nullable()
    .optional(),
});

/**
 * The stages a worker reports (`heartbeat.stage`), in the order it runs them. The route takes
 * any short stage name, so a newer worker's stage still goes through; the page names these.
 */
export const PROCESSING_STAGES = ["claimed", "download", "probe", "stills", "scan", "clips", "upload"] as const;
export type ProcessingStage = (typeof PROCESSING_STAGES)[number];
/** The stages of a task (a clip: cut and encode, then upload), as `heartbeat.stage`. */
export const TASK_STAGES = ["claimed", "render", "audio", "transcribe", "upload"] as const;
export type TaskStage = (typeof TASK_STAGES)[number];

export const heartbeatRequest = claimedBody({
  stage: z.string().min(1).max(40),
  pct: finite.min(0).max(100),
  /** A job's probed media; a task's heartbeat carries none. */
  media: mediaSchema.optional(),
});
export const heartbeatResponse = z.union([
  z.object({ state: z.literal("active"), leaseExpiresAt: finite }),
  z.object({ state: z.literal("canceled") }),
]);

export const artifactUploadUrlsRequest = claimedBody({
  artifacts: z.array(z.object({ kind: artifactKind, index: artifactIndex }).strict()).min(1).max(100),
});
export const artifactUploadUrlsResponse = z.object({
  uploads: z.array(
    z.object({ kind: artifactKind, index: artifactIndex, url: z.string().url(), contentType: z.string() }),
  ),
});

export const artifactRequest = claimedBody({
  artifact: z
    .object({
      kind: artifactKind,
      index: artifactIndex,
      bytes: z.number().int().min(0),
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      durationSec: nonNegative.optional(),
      startSec: nonNegative.optional(),
    })
    .strict(),
});
export const artifactResponse = z.object({ artifactId: z.string() });

/** A captions task says what it found (no speech is a result: READY with `speech: false`). */
export const completeRequest = claimedBody({
  captions: z.object({ speech: z.boolean(), language: z.string().min(1).max(16).optional() }).strict().optional(),
});
export const completeResponse = z.object({ ok: z.literal(true) });

/**
 * A captions task's own refusals (`CaptionsError` codes, `modal/worker/captions`): the task fails
 * with the same code, never its job. A job reporting one is failed as `processing_error`.
 */
export const TASK_WORKER_FAILURE_CODES = ["audio_unreadable", "no_audio", "captions_unavailable"] as const;

/** `interrupted`: the worker is shutting down and gives the job back (not the job's fault). */
export const WORKER_FAILURE_CODES = [
  "not_a_video",
  "too_long",
  "too_large_resolution",
  "integrity",
  "processing_error",
  "interrupted",
  ...TASK_WORKER_FAILURE_CODES,
] as const;
export const failRequest = claimedBody({ code: z.enum(WORKER_FAILURE_CODES), message: z.string().max(2000) });
export const failResponse = z.object({ outcome: z.enum(["requeued", "failed"]) });

export type ClaimedJob = NonNullable<z.infer<typeof claimResponse>["job"]>;
export type ClaimedTask = NonNullable<z.infer<typeof claimResponse>["task"]>;
export type WorkerFailureCode = (typeof WORKER_FAILURE_CODES)[number];
