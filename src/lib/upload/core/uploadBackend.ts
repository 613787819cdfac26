/**
 * What the engine needs from the server. Each method mirrors one Convex function in
 * `convex/uploads.ts` with the same arguments, so the adapter is a one-line mapping per method.
 * A method may reject with an `UploadError` to choose the code the user sees; any other
 * rejection becomes a `backend` error.
 */
import type { JobStatus } from "../../../../convex/lib/jobStatus";

export interface FileFingerprint {
  name: string;
  size: number;
  lastModified: number;
  /**
   * The first part's CRC32C (`x-amz-checksum-crc32c` form). With name, size and date it tells
   * the same file from another: a file edited in place keeps its name and size, and usually
   * its date only when a tool restores it on purpose; its first part (the container's header,
   * where an edit shows) then still differs. Already computed for the part's own URL.
   */
  firstPartCrc32c?: string;
}

export interface PartPlan {
  /** Bytes per part; every part but the last has exactly this size. */
  partSize: number;
  partCount: number;
}

export interface PartUrlRequest {
  partNumber: number;
  /**
   * The part's CRC32C as S3's `x-amz-checksum-crc32c` value (base64 of the 4 bytes, big-endian);
   * signed into the URL as a header, so storage refuses any other body (400 BadDigest) and any
   * other header value (403).
   */
  checksumCrc32c?: string;
}

export interface SignedPartUrl {
  partNumber: number;
  url: string;
  /**
   * How long storage accepts the URL from when the call answered, in milliseconds (a lifetime,
   * not a time of day: the browser's clock may disagree with the server's).
   */
  expiresInMs: number;
  /** Headers the URL was signed with (`x-amz-checksum-crc32c`), which the request must carry exactly. */
  headers?: Record<string, string>;
}

export interface RecordedPart {
  partNumber: number;
  size: number;
  etag: string;
}

export interface UploadSession {
  status: JobStatus;
  partSize: number;
  partCount: number;
  fingerprint: FileFingerprint;
  /** The parts the server has recorded, which a resume does not send again. */
  recordedPartNumbers: number[];
}

/** What `prepareUpload` answers: the plan, and URLs for the parts whose checksums came with the call. */
export interface PreparedUpload extends PartPlan {
  urls: SignedPartUrl[];
}

export interface UploadBackend {
  /**
   * The server's part-size rule (`convex/lib/partPlan.ts`) for a file of this size. Used only
   * to know which bytes the resume fingerprint covers before `prepareUpload` answers; part
   * boundaries always come from the plan the server returns.
   */
  expectedPartSize(fileSize: number): number;
  prepareUpload(args: {
    jobId: string;
    file: { name: string; size: number; type: string; lastModified: number; firstPartCrc32c?: string };
    /** The first parts, whose URLs come back with the plan (signed for the announced part size). */
    parts?: PartUrlRequest[];
  }): Promise<PreparedUpload>;
  /** At most 100 parts per call. */
  getUploadPartUrls(args: { jobId: string; parts: PartUrlRequest[] }): Promise<{ urls: SignedPartUrl[] }>;
  /**
   * `size` lets the server check the browser's part boundaries against its plan; the checksum is
   * the one the part's URL was signed with, from which the server combines the object's CRC32C.
   */
  reportUploadedPart(args: { jobId: string; partNumber: number; etag: string; size: number; checksumCrc32c: string }): Promise<unknown>;
  completeUpload(args: { jobId: string }): Promise<unknown>;
  abortUpload(args: { jobId: string }): Promise<unknown>;
  /**
   * The upload as the server recorded it, with every recorded part number (read from the server
   * page by page: a plan may have 10,000 parts), or null when the job has none.
   */
  uploadSession(args: { jobId: string }): Promise<UploadSession | null>;
}
