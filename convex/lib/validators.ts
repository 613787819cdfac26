/**
 * Shared validators: the schema, the functions and the worker all derive their types
 * from these, so they cannot drift. Pure (imports only `convex/values` and convex-helpers' validator helpers).
 */
import { v, type Infer } from "convex/values";
import { literals } from "convex-helpers/validators";
import { JOB_STATUSES } from "./jobStatus";
import { FAILURE_CODES } from "./failures";
import { ARTIFACT_KINDS } from "./artifactKinds";

export const jobStatus = literals(...JOB_STATUSES);
export const failureCode = literals(...FAILURE_CODES);
export const artifactKind = literals(...ARTIFACT_KINDS);

export const failure = v.object({
  code: failureCode,
  message: v.string(),
  retryable: v.boolean(),
});

export const sourceMeta = v.object({
  title: v.optional(v.string()),
  authorName: v.optional(v.string()),
  authorUrl: v.optional(v.string()),
  thumbnailUrl: v.string(),
  source: v.union(v.literal("oembed"), v.literal("derived")),
});

export const rights = v.object({
  confirmedAt: v.number(),
  confirmedBy: v.id("users"),
  statementVersion: v.string(),
});

export const fileDescription = v.object({
  name: v.string(),
  size: v.number(),
  type: v.string(),
  lastModified: v.number(),
});

export const uploadSession = v.object({
  uploadId: v.string(),
  key: v.string(),
  partSize: v.number(),
  partCount: v.number(),
  fileName: v.string(),
  fileSize: v.number(),
  fileType: v.string(),
  lastModified: v.number(),
  /** The first part's CRC32C (`x-amz-checksum-crc32c` form): with name, size and date, the resume fingerprint. */
  firstPartCrc32c: v.optional(v.string()),
  /**
   * The stored object's CRC32C, combined at completion from the checksums storage verified on
   * every part (absent when a part was sent without one); the worker checks the download against it.
   */
  crc32c: v.optional(v.string()),
  startedAt: v.number(),
});

export const media = v.object({
  durationSec: v.number(),
  width: v.number(),
  height: v.number(),
  fps: v.number(),
  rotation: v.number(),
  videoCodec: v.string(),
  audioCodec: v.optional(v.string()),
  hasAudio: v.boolean(),
  bitrate: v.optional(v.number()),
});

export const claim = v.object({
  token: v.string(),
  workerId: v.string(),
  leaseExpiresAt: v.number(),
});

export const progress = v.object({
  stage: v.string(),
  pct: v.number(),
  updatedAt: v.number(),
});

/** What the worker measures of an artifact (each optional: a VTT file has no size). */
export const artifactMeasurements = {
  width: v.optional(v.number()),
  height: v.optional(v.number()),
  durationSec: v.optional(v.number()),
  startSec: v.optional(v.number()),
};

/** A `video_artifacts` row. */
export const artifactFields = {
  jobId: v.id("video_jobs"),
  kind: artifactKind,
  index: v.number(),
  r2Key: v.string(),
  contentType: v.string(),
  bytes: v.number(),
  ...artifactMeasurements,
  createdAt: v.number(),
};

export const eventActor = v.union(
  v.literal("user"),
  v.literal("system"),
  v.literal("worker"),
);

export type SourceMeta = Infer<typeof sourceMeta>;
export type UploadSession = Infer<typeof uploadSession>;
export type Media = Infer<typeof media>;
export type EventActor = Infer<typeof eventActor>;
export type FileDescription = Infer<typeof fileDescription>;

/** What the owner sees of a job: no claim tokens, storage keys or upload ids. */
export const jobView = v.object({
  _id: v.id("video_jobs"),
  _creationTime: v.number(),
  status: jobStatus,
  sourceUrl: v.string(),
  videoId: v.string(),
  sourceMeta: v.optional(sourceMeta),
  rights: v.optional(v.object({ confirmedAt: v.number(), statementVersion: v.string() })),
  upload: v.optional(
    v.object({
      fileName: v.string(),
      fileSize: v.number(),
      fileType: v.string(),
      partSize: v.number(),
      partCount: v.number(),
    }),
  ),
  media: v.optional(media),
  attempt: v.number(),
  progress: v.optional(progress),
  failure: v.optional(failure),
  updatedAt: v.number(),
});

export const jobEventView = v.object({
  from: v.union(jobStatus, v.null()),
  to: jobStatus,
  at: v.number(),
  actor: eventActor,
  detail: v.optional(v.string()),
});

export type JobView = Infer<typeof jobView>;
export type JobEventView = Infer<typeof jobEventView>;
