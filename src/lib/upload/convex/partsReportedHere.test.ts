import { describe, expect, it } from "vitest";
import { PartsReportedHere } from "./partsReportedHere";
import { Crc32cPartChecksums } from "../checksums/crc32cPartChecksums";
import { createUpload } from "../core/resumableUpload";
import { FakeStorage, FakeUploadBackend } from "../testing/fakeStorage";
import { FaultInjectingTransport } from "../testing/faultInjectingTransport";
import { ManualNetworkStatus } from "../testing/manualNetworkStatus";
import { randomFile, seededRandom } from "../testing/seededRandom";

describe("PartsReportedHere", () => {
  it("counts none of this tab's own reports that land after its upload failed", async () => {
    const storage = new FakeStorage(Date.now);
    const backend = new FakeUploadBackend({ storage, partSize: 1024 });
    // Reports take 300 ms to land (a slow or reconnecting socket); part 6 is refused for good.
    const report = backend.reportUploadedPart.bind(backend);
    const landed: Promise<unknown>[] = [];
    backend.reportUploadedPart = (args) => {
      const landing = new Promise((resolve) => setTimeout(resolve, 300)).then(() => report(args));
      landed.push(landing);
      return landing;
    };
    const reportedHere = new PartsReportedHere();
    const network = new ManualNetworkStatus();
    const upload = createUpload(randomFile(8 * 1024, 1), "job-1", {
      backend: reportedHere.watch(backend),
      transport: new FaultInjectingTransport(storage, ({ partNumber }) => (partNumber === 6 ? "http400" : null), network),
      checksums: new Crc32cPartChecksums(),
      networkStatus: network,
      random: seededRandom(1),
      options: { retryDelaysMs: [0], concurrency: 4 },
    });
    await upload.start().catch(() => {});
    expect(upload.getSnapshot().status).toBe("failed");
    const recordedAtFailure = backend.recorded.size;
    // Some of this tab's reports are still on their way: whose parts the count holds is unknown.
    expect(reportedHere.countOthers("job-1", recordedAtFailure)).toBeNull();
    await Promise.allSettled(landed);
    const recordedLater = backend.recorded.size;
    // The server's count grew after the failure, which alone would read as another device.
    expect(recordedLater).toBeGreaterThan(recordedAtFailure);
    expect(reportedHere.countOthers("job-1", recordedLater)).toBe(0);
  });

  it("counts the parts another tab or device reported, job by job", async () => {
    const reportedHere = new PartsReportedHere();
    const backend = reportedHere.watch({ reportUploadedPart: async () => null } as never);
    await backend.reportUploadedPart({ jobId: "j", partNumber: 2, etag: '"e"', size: 1, checksumCrc32c: "AAAAAA==" });
    await backend.reportUploadedPart({ jobId: "j", partNumber: 2, etag: '"e"', size: 1, checksumCrc32c: "AAAAAA==" });
    expect(reportedHere.countOthers("j", 3)).toBe(2);
    expect(reportedHere.countOthers("another job", 3)).toBe(3);
  });

  it("does not know whose part the count gained while a report of its own is in flight, nor after one the server refused", async () => {
    const reportedHere = new PartsReportedHere();
    let land: () => void = () => {};
    const backend = reportedHere.watch({
      reportUploadedPart: ({ partNumber }: { partNumber: number }) =>
        partNumber === 9 ? Promise.reject(new Error("refused")) : new Promise<null>((resolve) => (land = () => resolve(null))),
    } as never);
    expect(reportedHere.countOthers("j", 4)).toBe(4);
    const reporting = backend.reportUploadedPart({ jobId: "j", partNumber: 5, etag: '"e"', size: 1, checksumCrc32c: "AAAAAA==" });
    // The server recorded part 5 and the count says so before this tab hears back.
    expect(reportedHere.countOthers("j", 5)).toBeNull();
    land();
    await reporting;
    expect(reportedHere.countOthers("j", 5)).toBe(4);
    await expect(backend.reportUploadedPart({ jobId: "j", partNumber: 9, etag: '"e"', size: 1, checksumCrc32c: "AAAAAA==" })).rejects.toThrow("refused");
    expect(reportedHere.countOthers("j", 5)).toBe(4);
  });
});
