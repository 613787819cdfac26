/**
 * Validators for the upload API's arguments and results. Pure, so the browser engine derives
 * its types from the same definitions as the functions.
 */
import { v, type Infer } from "convex/values";
import { fileDescription, jobStatus } from "./validators";

/** The shared file description plus the resume fingerprint: the first part's CRC32C. */
export const fileToUpload = v.object({ ...fileDescription.fields, firstPartCrc32c: v.optional(v.string()) });

export const partUrlRequest = v.object({
  partNumber: v.number(),
  /**
   * The part's CRC32C as S3's `x-amz-checksum-crc32c` header carries it (base64 of the 4
   * big-endian bytes). Signed into the URL as a header, so storage refuses any other body
   * (400 BadDigest) and any other value (403). Without it the URL takes any body of the part's size.
   */
  checksumCrc32c: v.optional(v.string()),
});

export const signedPartUrl = v.object({
  partNumber: v.number(),
  url: v.string(),
  /**
   * How long the URL stays valid from when the call answers, in milliseconds. A lifetime rather
   * than a time of day, so a browser whose clock disagrees with the server's counts it from its
   * own clock (from when it made the call, which is earlier, so it never overestimates).
   */
  expiresInMs: v.number(),
  /**
   * Epoch milliseconds on the server's clock when storage stops accepting the URL. Not read by
   * this version's pages (`expiresInMs` is); kept for pages loaded before it, which an open tab
   * may still run for hours after a deploy. Drop it once no such page can be left.
   */
  expiresAt: v.number(),
  /** Headers the URL was signed with; the PUT must send them exactly. */
  headers: v.optional(v.record(v.string(), v.string())),
});

export const partUrlBatch = v.object({ urls: v.array(signedPartUrl) });

export const preparedUpload = v.object({
  partSize: v.number(),
  partCount: v.number(),
  /** URLs for the parts the call asked for (`parts`), signed like `getUploadPartUrls`'. */
  urls: v.array(signedPartUrl),
});

/**
 * What a resuming browser needs: the plan and the file fingerprint. Constant in size: the
 * recorded parts' numbers are read page by page (`recordedPartNumbersPage`), since a plan may
 * have up to 10,000 parts and Convex refuses arrays over 8,192 elements in any value.
 */
export const uploadSessionView = v.object({
  status: jobStatus,
  fingerprint: v.object({
    name: v.string(),
    size: v.number(),
    lastModified: v.number(),
    firstPartCrc32c: v.optional(v.string()),
  }),
  fileType: v.string(),
  partSize: v.number(),
  partCount: v.number(),
  /** How many parts are recorded, for the resume prompt and for seeing another tab send them. */
  partsRecorded: v.number(),
  /** How long the upload may sit idle before it is cleared (`UPLOAD_ABANDON_HOURS`), for the resume prompt. */
  idleLimitHours: v.number(),
});

/** Part numbers are read in pages of at most this many (each a bounded read and a bounded array). */
export const RECORDED_PARTS_PAGE_SIZE = 2_000;

/** `continueAfter`: the part number to ask after for the next page; null after the last. */
const pageContinuation = v.union(v.number(), v.null());

/** One page of an upload's recorded part numbers, in order. */
export const recordedPartNumbersPage = v.object({ partNumbers: v.array(v.number()), continueAfter: pageContinuation });

/** A multipart upload in storage. Server-side only: never sent to the browser. */
export const multipartTarget = v.object({ key: v.string(), uploadId: v.string() });

/** Where parts about to be signed go, with each one's planned size (in the order asked for). */
export const partSigningTarget = multipartTarget.extend({ partSizes: v.array(v.number()) });

/** What completing needs besides the parts, which the action reads page by page (`completionPartsPage`). */
export const completionPlan = v.union(
  v.object({ state: v.literal("already_uploaded") }),
  v.object({
    state: v.literal("ready"),
    key: v.string(),
    uploadId: v.string(),
    fileSize: v.number(),
    partCount: v.number(),
  }),
);

/** A recorded part as completing needs it: CompleteMultipartUpload's fields, and its size for the object's CRC32C. */
export const completionPart = v.object({
  partNumber: v.number(),
  etag: v.string(),
  size: v.number(),
  checksumCrc32c: v.optional(v.string()),
});

/** One page of the recorded parts as CompleteMultipartUpload takes them, in part order. */
export const completionPartsPage = v.object({
  parts: v.array(completionPart),
  continueAfter: pageContinuation,
});

export type FileToUpload = Infer<typeof fileToUpload>;
export type PartUrlRequest = Infer<typeof partUrlRequest>;
export type SignedPartUrl = Infer<typeof signedPartUrl>;
export type PartUrlBatch = Infer<typeof partUrlBatch>;
export type PreparedUpload = Infer<typeof preparedUpload>;
export type UploadSessionView = Infer<typeof uploadSessionView>;
export type MultipartTarget = Infer<typeof multipartTarget>;
export type PartSigningTarget = Infer<typeof partSigningTarget>;
/** A part to sign: its number, its planned size (signed as Content-Length), its CRC32C if given. */
export type PartToSign = PartUrlRequest & { size: number };
export type CompletionPlan = Infer<typeof completionPlan>;
export type CompletionPart = Infer<typeof completionPart>;
export type CompletionPartsPage = Infer<typeof completionPartsPage>;
export type RecordedPartNumbersPage = Infer<typeof recordedPartNumbersPage>;
