/**
 * What the engine needs from the server. Each method mirrors one Convex function in
 * `convex/uploads.ts` with the same arguments, so the adapter is a one-line mapping per method.
 * A method may reject with an `UploadError` to choose the code the user sees; any other
 * rejection becomes a `backend` error.
 */
import type { JobStatus } from "../../../convex/lib/jobStatus";

export interface FileFingerprint {
  name: string;
  size: number;
  lastModified: number;
  /** Hex SHA-256 of the file's first part (its first `partSize` bytes). */
  firstPartSha256?: string;
}

export interface PartPlan {
  /** Bytes per part; every part but the last has exactly this size. */
  partSize: number;
  partCount: number;
}

export interface PartUrlRequest {
  partNumber: number;
  /** Base64 MD5 of the part; signed into the URL so storage refuses any other body. */
  contentMd5?: string;
}

export interface SignedPartUrl {
  partNumber: number;
  url: string;
  /**
   * How long storage accepts the URL from when the call answered, in milliseconds (a lifetime,
   * not a time of day: the browser's clock may disagree with the server's).
   */
  expiresInMs: number;
  /** Headers the URL was signed with, which the request must carry. */
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

export interface UploadBackend {
  /**
   * The server's part-size rule (`convex/lib/partPlan.ts`) for a file of this size. Used only
   * to know which bytes the resume fingerprint covers before `prepareUpload` answers; part
   * boundaries always come from the plan the server returns.
   */
  expectedPartSize(fileSize: number): number;
  prepareUpload(args: {
    jobId: string;
    file: { name: string; size: number; type: string; lastModified: number; firstPartSha256?: string };
  }): Promise<PartPlan>;
  /** At most 100 parts per call. */
  getUploadPartUrls(args: { jobId: string; parts: PartUrlRequest[] }): Promise<{ urls: SignedPartUrl[] }>;
  /** `size` lets the server check the browser's part boundaries against its plan. */
  reportUploadedPart(args: { jobId: string; partNumber: number; etag: string; size: number }): Promise<unknown>;
  recordFileSha256(args: { jobId: string; sha256: string }): Promise<unknown>;
  completeUpload(args: { jobId: string }): Promise<unknown>;
  abortUpload(args: { jobId: string }): Promise<unknown>;
  /**
   * The upload as the server recorded it, with every recorded part number (read from the server
   * page by page: a plan may have 10,000 parts), or null when the job has none.
   */
  uploadSession(args: { jobId: string }): Promise<UploadSession | null>;
}
