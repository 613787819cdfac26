/**
 * The browser entry of the upload engine: the platform-free core with the browser's ports
 * plugged in (XMLHttpRequest for parts, CRC32C in WebAssembly or JS, `navigator.onLine`), as
 * tus-js-client's `browser/index.ts` does. Tests and other platforms use the core directly.
 */
import { Crc32cPartChecksums } from "./checksums/crc32cPartChecksums";
import { browserNetworkStatus } from "./transport/browserNetworkStatus";
import {
  createUpload as createCoreUpload,
  resumeUpload as resumeCoreUpload,
  type ResumableUpload,
  type UploadableFile,
  type UploadDependencies,
} from "./core/resumableUpload";
import { XhrPartTransport } from "./transport/xhrPartTransport";

/** The core's ports, each defaulting to the browser's. */
export type BrowserUploadDependencies = Omit<UploadDependencies, "transport" | "checksums" | "networkStatus"> &
  Partial<Pick<UploadDependencies, "transport" | "checksums" | "networkStatus">>;

function withBrowserDefaults(dependencies: BrowserUploadDependencies): UploadDependencies {
  return {
    ...dependencies,
    transport: dependencies.transport ?? new XhrPartTransport(),
    checksums: dependencies.checksums ?? new Crc32cPartChecksums(),
    networkStatus: dependencies.networkStatus ?? browserNetworkStatus(),
  };
}

/** A new upload: checksums the first parts, asks the server for a plan, sends every part. */
export function createUpload(file: UploadableFile, jobId: string, dependencies: BrowserUploadDependencies): ResumableUpload {
  return createCoreUpload(file, jobId, withBrowserDefaults(dependencies));
}

/** Continues the job's unfinished upload with the file the user selected again (`file_mismatch` for another file). */
export function resumeUpload(file: UploadableFile, jobId: string, dependencies: BrowserUploadDependencies): ResumableUpload {
  return resumeCoreUpload(file, jobId, withBrowserDefaults(dependencies));
}

export type { ResumableUpload, UploadableFile, UploadDependencies, UploadSnapshot, UploadStatus } from "./core/resumableUpload";
export type {
  FileFingerprint,
  PartPlan,
  PartUrlRequest,
  PreparedUpload,
  RecordedPart,
  SignedPartUrl,
  UploadBackend,
  UploadSession,
} from "./core/uploadBackend";
export type { PartPutRequest, PartPutResponse, PartTransport } from "./core/partTransport";
export type { PartChecksums } from "./core/partChecksums";
export type { NetworkStatus } from "./core/networkStatus";
export { XhrPartTransport } from "./transport/xhrPartTransport";
export { Crc32cPartChecksums } from "./checksums/crc32cPartChecksums";
export { browserNetworkStatus } from "./transport/browserNetworkStatus";
export { DEFAULT_UPLOAD_OPTIONS, MAX_CONCURRENCY, MAX_URL_BATCH_SIZE, type UploadOptions } from "./core/options";
export { UPLOAD_ERROR_CODES, UploadError, type UploadErrorCode } from "./core/uploadError";
