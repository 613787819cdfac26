/**
 * The parts this tab reported to the server. Its own reports can land after its upload ended
 * (in flight when a part failed for good, or queued while Convex reconnected); leaving those out
 * of the server's count keeps them from reading as another tab or device sending the file.
 *
 * The server answers a count, not which parts (a plan may have 10,000), so this tab subtracts
 * the parts its own reports recorded; while one of them is still in flight it cannot tell whose
 * part the count has just gained, and says so (null).
 */
import type { UploadBackend } from "../core/uploadBackend";

type Reports = { landed: Set<number>; inFlight: number };

export class PartsReportedHere {
  private readonly reportsByJob = new Map<string, Reports>();

  /** `backend`, noting each part this tab reports, and when the server has it. */
  watch(backend: UploadBackend): UploadBackend {
    return {
      expectedPartSize: (fileSize) => backend.expectedPartSize(fileSize),
      prepareUpload: (args) => backend.prepareUpload(args),
      getUploadPartUrls: (args) => backend.getUploadPartUrls(args),
      reportUploadedPart: async (args) => {
        const reports = this.reportsFor(args.jobId);
        reports.inFlight++;
        try {
          const answer = await backend.reportUploadedPart(args);
          reports.landed.add(args.partNumber);
          return answer;
        } finally {
          reports.inFlight--;
        }
      },
      completeUpload: (args) => backend.completeUpload(args),
      abortUpload: (args) => backend.abortUpload(args),
      uploadSession: (args) => backend.uploadSession(args),
    };
  }

  /**
   * How many of the server's `recorded` parts of the job this tab did not report, or null while
   * a report from this tab is in flight (the count may already include it).
   */
  countOthers(jobId: string, recorded: number): number | null {
    const { landed, inFlight } = this.reportsFor(jobId);
    return inFlight > 0 ? null : recorded - landed.size;
  }

  private reportsFor(jobId: string): Reports {
    let reports = this.reportsByJob.get(jobId);
    if (!reports) this.reportsByJob.set(jobId, (reports = { landed: new Set(), inFlight: 0 }));
    return reports;
  }
}
