/**
 * One `upload_parts` row per uploaded part. Reports never touch the job document, so parts
 * reported at the same time do not conflict: each writes only its own row, and one of the
 * upload's `upload_part_counts` rows (by part number, so the browser's parallel reports of
 * neighbouring parts write different rows).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { isPartNumberInPlan, partRange, type PartPlan } from "../lib/partPlan";
import type { UploadSession } from "../lib/validators";
import { requireOwnedJob } from "./jobAccess";
import { RECORDED_PARTS_PAGE_SIZE } from "../lib/uploadValidators";
import { checkCrc32c, checkPartEtag } from "./uploadRequests";

export type PartReport = { jobId: Id<"video_jobs">; partNumber: number; etag: string; size?: number; checksumCrc32c?: string };

/**
 * Records a part the browser stored; reporting a part again with another ETag or checksum
 * replaces it. The checksum is what its URL was signed with; completion hands it back to
 * storage, which refuses a part whose stored checksum differs, so a wrong one cannot stick.
 */
export async function recordUploadedPart(
  ctx: MutationCtx,
  userId: Id<"users">,
  { jobId, partNumber, etag, size, checksumCrc32c }: PartReport,
): Promise<void> {
  const job = await requireOwnedJob(ctx, userId, jobId);
  if (job.status !== "UPLOADING" || job.upload === undefined) {
    throw appError("invalid_state", "Parts can only be reported while the file is uploading.", { status: job.status });
  }
  const plannedSize = requirePlannedPartSize(job.upload, partNumber);
  if (size !== undefined && size !== plannedSize) {
    throw appError("size_mismatch", `Part ${partNumber} should be ${plannedSize} bytes, not ${size}.`, {
      partNumber,
      expectedBytes: plannedSize,
    });
  }
  const fields = {
    etag: checkPartEtag(etag),
    size: plannedSize,
    ...(checksumCrc32c === undefined ? {} : { checksumCrc32c: checkCrc32c(checksumCrc32c, `part ${partNumber}`, partNumber) }),
    reportedAt: Date.now(),
  };
  const existing = await ctx.db
    .query("upload_parts")
    .withIndex("by_job_and_part", (q) => q.eq("jobId", jobId).eq("partNumber", partNumber))
    .unique();
  if (existing === null) {
    await ctx.db.insert("upload_parts", { jobId, partNumber, ...fields });
    await addToPartCount(ctx, jobId, partCountShard(partNumber), 1);
  } else if (existing.etag !== fields.etag || existing.checksumCrc32c !== fields.checksumCrc32c) {
    await ctx.db.replace("upload_parts", existing._id, { jobId, partNumber, ...fields });
  }
  // The same report again (a retry whose first answer was lost) writes nothing, so it wakes
  // no subscriber.
}

/**
 * Rows the count of an upload's recorded parts is split over. Part `n` counts on row
 * `n % PART_COUNT_SHARDS`: the engine sends 4 parts at a time in part order, so reports that land
 * together fall on different rows and do not conflict, while the session's live view reads only
 * these rows, not one per part (a 2,560-part upload watched from another tab read 3.3 million
 * documents when it read every part after every report).
 */
export const PART_COUNT_SHARDS = 8;

/** The `upload_part_counts` row part `partNumber` counts on. */
export function partCountShard(partNumber: number): number {
  return partNumber % PART_COUNT_SHARDS;
}

/** Adds `added` newly recorded parts to one shard of the upload's count. */
export async function addToPartCount(
  ctx: MutationCtx,
  jobId: Id<"video_jobs">,
  shard: number,
  added: number,
): Promise<void> {
  const counter = await ctx.db
    .query("upload_part_counts")
    .withIndex("by_job_and_shard", (q) => q.eq("jobId", jobId).eq("shard", shard))
    .unique();
  if (counter === null) {
    await ctx.db.insert("upload_part_counts", { jobId, shard, count: added });
  } else {
    await ctx.db.patch("upload_part_counts", counter._id, { count: counter.count + added });
  }
}

/** How many parts the upload has recorded: at most `PART_COUNT_SHARDS` reads. */
export async function countRecordedParts(ctx: QueryCtx, jobId: Id<"video_jobs">): Promise<number> {
  const counters = await ctx.db
    .query("upload_part_counts")
    .withIndex("by_job_and_shard", (q) => q.eq("jobId", jobId))
    .take(PART_COUNT_SHARDS);
  return counters.reduce((sum, counter) => sum + counter.count, 0);
}

/** The part's size under the plan; a part number outside the plan is refused. */
export function requirePlannedPartSize(upload: PartPlan & Pick<UploadSession, "fileSize">, partNumber: number): number {
  if (!isPartNumberInPlan(upload, partNumber)) {
    throw appError(
      "part_out_of_range",
      `This upload has parts 1 to ${upload.partCount}; there is no part ${partNumber}.`,
      {
        partNumber,
        partCount: upload.partCount,
      },
    );
  }
  return partRange(upload, upload.fileSize, partNumber).size;
}

/**
 * The job's recorded parts after part `afterPartNumber`, in part order, at most
 * `RECORDED_PARTS_PAGE_SIZE`: a plan may have 10,000 parts, more than Convex allows in one array
 * (8,192), so they cross a function boundary a page at a time. `continueAfter` is null on the
 * last page.
 */
export async function readRecordedPartsPage(
  ctx: QueryCtx,
  jobId: Id<"video_jobs">,
  afterPartNumber: number | undefined,
): Promise<{ parts: Doc<"upload_parts">[]; continueAfter: number | null }> {
  const parts = await ctx.db
    .query("upload_parts")
    .withIndex("by_job_and_part", (q) =>
      afterPartNumber === undefined ? q.eq("jobId", jobId) : q.eq("jobId", jobId).gt("partNumber", afterPartNumber),
    )
    .take(RECORDED_PARTS_PAGE_SIZE);
  const continueAfter = parts.length === RECORDED_PARTS_PAGE_SIZE ? parts[parts.length - 1]!.partNumber : null;
  return { parts, continueAfter };
}

/** Recorded parts deleted per transaction once a job no longer needs them. */
export const PART_DELETE_BATCH = 500;

/**
 * Deletes up to `PART_DELETE_BATCH` of the job's recorded parts, and its part counts with the
 * last of them; true when some may be left.
 * Once the upload is complete or has failed, nothing reads them again.
 */
export async function deleteRecordedParts(ctx: MutationCtx, jobId: Id<"video_jobs">): Promise<boolean> {
  const parts = await ctx.db
    .query("upload_parts")
    .withIndex("by_job_and_part", (q) => q.eq("jobId", jobId))
    .take(PART_DELETE_BATCH);
  for (const part of parts) await ctx.db.delete("upload_parts", part._id);
  if (parts.length === PART_DELETE_BATCH) return true;
  const counters = await ctx.db
    .query("upload_part_counts")
    .withIndex("by_job_and_shard", (q) => q.eq("jobId", jobId))
    .take(PART_COUNT_SHARDS);
  for (const counter of counters) await ctx.db.delete("upload_part_counts", counter._id);
  return false;
}

/** How many missing part numbers a `parts_missing` error carries, and how many its sentence names. */
const MISSING_PARTS_LISTED = 100;
const MISSING_PARTS_NAMED = 10;

/** Throws `parts_missing`, naming the first missing parts, unless every part of the plan is recorded. */
export function requireEveryPartRecorded(partCount: number, parts: ReadonlyArray<{ partNumber: number }>): void {
  const missing = missingPartNumbers(partCount, parts);
  if (missing.length === 0) return;
  const named = missing.slice(0, MISSING_PARTS_NAMED).join(", ") + (missing.length > MISSING_PARTS_NAMED ? ", …" : "");
  throw appError(
    "parts_missing",
    missing.length === 1
      ? `Part ${named} has not been uploaded yet.`
      : `${missing.length} parts have not been uploaded yet: ${named}.`,
    { missingCount: missing.length, missingPartNumbers: missing.slice(0, MISSING_PARTS_LISTED) },
  );
}

/** Part numbers of the plan that have no recorded part. */
export function missingPartNumbers(partCount: number, parts: ReadonlyArray<{ partNumber: number }>): number[] {
  const recorded = new Set(parts.map((part) => part.partNumber));
  const missing: number[] = [];
  for (let partNumber = 1; partNumber <= partCount; partNumber++) {
    if (!recorded.has(partNumber)) missing.push(partNumber);
  }
  return missing;
}
