import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { authTables } from "@convex-dev/auth/server";
import * as vv from "./lib/validators";
import * as tv from "./lib/taskValidators";

export default defineSchema({
  ...authTables,

  video_jobs: defineTable({
    ownerId: v.id("users"),
    status: vv.jobStatus,
    sourceUrl: v.string(),
    videoId: v.string(),
    sourceMeta: v.optional(vv.sourceMeta),
    rights: v.optional(vv.rights),
    upload: v.optional(vv.uploadSession),
    r2SourceKey: v.optional(v.string()),
    media: v.optional(vv.media),
    /** Number of times a worker has claimed this job. */
    attempt: v.number(),
    /**
     * Claims handed back through no fault of the job (`handBack`: a worker shutting down, a
     * claim the route could not send). The first `FREE_HAND_BACKS` do not count as attempts.
     */
    handBacks: v.optional(v.number()),
    /** While UPLOADED: the earliest time a worker may claim it (backoff after a retry). */
    notBefore: v.optional(v.number()),
    /**
     * `requestId`: the worker's name for the claim request that made this claim, so that its
     * retry of the same request is answered with this job (`findClaimByRequest`).
     */
    claim: v.optional(vv.claim.extend({ requestId: v.optional(v.string()) })),
    progress: v.optional(vv.progress),
    failure: v.optional(vv.failure),
    /**
     * While READY with its uploaded video still stored: when it became READY, from which
     * `SOURCE_RETENTION_DAYS` counts (`model/sourceRetention.ts`). Cleared when the video is
     * deleted, so the retention sweep's index range holds only jobs whose video is kept.
     */
    sourceKeptSince: v.optional(v.number()),
    /** When the uploaded video was deleted after `SOURCE_RETENTION_DAYS`: no more clips. */
    sourceDeletedAt: v.optional(v.number()),
    /** The last time the job moved or its upload made progress (the upload janitor reads it). */
    lastActivityAt: v.number(),
    updatedAt: v.number(),
  })
    // Both: "by_owner" lists a user's jobs newest first and counts the last hour's
    // (`_creationTime` order); "by_owner_and_status" finds whether one of theirs is processing.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_owner", ["ownerId"])
    .index("by_owner_and_status", ["ownerId", "status"])
    .index("by_status_and_notBefore", ["status", "notBefore"])
    .index("by_status_and_lease", ["status", "claim.leaseExpiresAt"])
    .index("by_status_and_claim_request", ["status", "claim.workerId", "claim.requestId"])
    .index("by_status_and_activity", ["status", "lastActivityAt"])
    .index("by_status_and_upload_start", ["status", "upload.startedAt"])
    .index("by_source_kept_since", ["sourceKeptSince"]),

  /**
   * Fixed-window counters of deployment-wide limits, a few rows per limit so that concurrent
   * writers rarely share one (`oembed_lookups/0` … `/7`: `model/intakeLimits.ts`); a new window
   * resets a row's count.
   */
  rate_limit_windows: defineTable({
    name: v.string(),
    windowStart: v.number(),
    count: v.number(),
  }).index("by_name", ["name"]),

  /**
   * One row per uploaded part: per-part facts never touch the job document. Deleted once the
   * upload completes or the job fails (`uploads.dropRecordedParts`).
   */
  upload_parts: defineTable({
    jobId: v.id("video_jobs"),
    partNumber: v.number(),
    etag: v.string(),
    size: v.number(),
    /** The part's CRC32C as signed into its URL, which storage verified (absent for a part sent without one). */
    checksumCrc32c: v.optional(v.string()),
    reportedAt: v.number(),
  }).index("by_job_and_part", ["jobId", "partNumber"]),

  /**
   * How many parts an upload has recorded, split over `PART_COUNT_SHARDS` rows by part number
   * (`model/uploadParts.ts`): the session another tab watches reads these few rows instead of
   * every part, and the parts a browser reports at once land on different rows, so they do not
   * conflict. Deleted with the parts.
   */
  upload_part_counts: defineTable({
    jobId: v.id("video_jobs"),
    shard: v.number(),
    count: v.number(),
  }).index("by_job_and_shard", ["jobId", "shard"]),

  video_artifacts: defineTable(vv.artifactFields).index("by_job_kind_index", ["jobId", "kind", "index"]),

  /**
   * Work on a READY job after its processing (`lib/taskStatus.ts`): a clip the creator asked for
   * (captions next). Claimed, leased, fenced and reaped like jobs, through the same code
   * (`model/workerClaims.ts` over `model/workQueues.ts`); a worker claims only the kinds it serves.
   */
  tasks: defineTable({
    kind: tv.taskKind,
    jobId: v.id("video_jobs"),
    ownerId: v.id("users"),
    status: tv.taskStatus,
    /** Numbers the task's artifacts within its job and kind (`custom_clip/<index>.mp4`): a retry writes the same keys. */
    index: v.number(),
    /** What was asked for, as a string: a second request for the same thing finds this task (`by_job_and_key`). */
    key: v.string(),
    clip: v.optional(tv.clipSpec),
    /** A captions task once READY: whether speech was found, and its language. */
    captions: v.optional(tv.captionsResult),
    attempt: v.number(),
    handBacks: v.optional(v.number()),
    notBefore: v.optional(v.number()),
    claim: v.optional(vv.claim.extend({ requestId: v.optional(v.string()) })),
    progress: v.optional(vv.progress),
    failure: v.optional(tv.taskFailure),
    /** Once READY: the artifact it made (a clip's video; its poster is the same index's `custom_clip_poster`). */
    artifactId: v.optional(v.id("video_artifacts")),
    updatedAt: v.number(),
  })
    .index("by_kind_status_notBefore", ["kind", "status", "notBefore"])
    .index("by_status_and_lease", ["status", "claim.leaseExpiresAt"])
    .index("by_status_and_claim_request", ["status", "claim.workerId", "claim.requestId"])
    .index("by_owner_kind_status", ["ownerId", "kind", "status"])
    .index("by_job_kind_index", ["jobId", "kind", "index"])
    .index("by_job_and_key", ["jobId", "key"]),

  /** A task's audit timeline: one row per status change. */
  task_events: defineTable(tv.taskEventFields).index("by_task", ["taskId"]),

  /** The audit timeline: one row per status change. */
  job_events: defineTable({
    jobId: v.id("video_jobs"),
    from: v.union(vv.jobStatus, v.null()),
    to: vv.jobStatus,
    at: v.number(),
    actor: vv.eventActor,
    detail: v.optional(v.string()),
  }).index("by_job", ["jobId"]),
});
