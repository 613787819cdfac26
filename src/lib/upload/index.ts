/** The browser upload engine: framework-free; a React hook and the Convex adapter build on this. */
export { createUpload, resumeUpload, ResumableUpload } from "./resumableUpload";
export type { UploadableFile, UploadDependencies, UploadResult, UploadSnapshot, UploadStatus } from "./resumableUpload";
export type {
  FileFingerprint,
  PartPlan,
  PartUrlRequest,
  RecordedPart,
  SignedPartUrl,
  UploadBackend,
  UploadSession,
} from "./uploadBackend";
export type { PartPutRequest, PartPutResponse, PartTransport } from "./partTransport";
export { XhrPartTransport } from "./xhrPartTransport";
export { createFileHasher, InProcessFileHasher, WorkerFileHasher, type FileHasher } from "./fileHasher";
export { createPartHasher, InProcessPartHasher, WorkerPartHasher, type PartHasher } from "./partHasher";
export { browserNetworkStatus, type NetworkStatus } from "./networkStatus";
export { DEFAULT_UPLOAD_OPTIONS, MAX_CONCURRENCY, MAX_URL_BATCH_SIZE, type UploadOptions } from "./options";
export { UPLOAD_ERROR_CODES, UploadError, type UploadErrorCode } from "./uploadError";
