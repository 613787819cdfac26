/**
 * The parts this tab reported to the server. Its own reports can land after its upload ended
 * (in flight when a part failed for good, or queued while Convex reconnected); counting only the
 * other recorded parts keeps those from reading as another tab or device sending the file.
 */
import type { UploadBackend } from "./uploadBackend";

export class PartsReportedHere {
  private readonly partNumbersByJob = new Map<string, Set<number>>();

  /** `backend`, noting each part as this tab reports it (before the call, which may land later). */
  watch(backend: UploadBackend): UploadBackend {
    return {
      expectedPartSize: (fileSize) => backend.expectedPartSize(fileSize),
      prepareUpload: (args) => backend.prepareUpload(args),
      getUploadPartUrls: (args) => backend.getUploadPartUrls(args),
      reportUploadedPart: (args) => {
        this.reportedFor(args.jobId).add(args.partNumber);
        return backend.reportUploadedPart(args);
      },
      recordFileSha256: (args) => backend.recordFileSha256(args),
      completeUpload: (args) => backend.completeUpload(args),
      abortUpload: (args) => backend.abortUpload(args),
      uploadSession: (args) => backend.uploadSession(args),
    };
  }

  /** How many of the server's recorded parts of the job this tab did not report. */
  countOthers(jobId: string, recorded: ReadonlyArray<{ partNumber: number }>): number {
    const reported = this.reportedFor(jobId);
    return recorded.filter((part) => !reported.has(part.partNumber)).length;
  }

  private reportedFor(jobId: string): Set<number> {
    let reported = this.partNumbersByJob.get(jobId);
    if (!reported) this.partNumbersByJob.set(jobId, (reported = new Set()));
    return reported;
  }
}
