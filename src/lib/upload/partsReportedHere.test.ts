import { describe, expect, it } from "vitest";
import { PartsReportedHere } from "./partsReportedHere";
import { InProcessFileHasher } from "./fileHasher";
import { createUpload } from "./resumableUpload";
import { FakeStorage, FakeUploadBackend } from "./testing/fakeStorage";
import { FaultInjectingTransport } from "./testing/faultInjectingTransport";
import { ManualNetworkStatus } from "./testing/manualNetworkStatus";
import { randomFile, seededRandom } from "./testing/seededRandom";

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
      fileHasher: new InProcessFileHasher(4096),
      networkStatus: network,
      random: seededRandom(1),
      options: { retryDelaysMs: [0], readChunkBytes: 300, concurrency: 4 },
    });
    await upload.start().catch(() => {});
    expect(upload.getSnapshot().status).toBe("failed");
    const recordedAtFailure = backend.recorded.size;
    await Promise.allSettled(landed);
    const recordedLater = [...backend.recorded.keys()].map((partNumber) => ({ partNumber }));
    // The server's count grew after the failure, which alone would read as another device.
    expect(recordedLater.length).toBeGreaterThan(recordedAtFailure);
    expect(reportedHere.countOthers("job-1", recordedLater)).toBe(0);
  });

  it("counts the parts another tab or device reported, job by job", () => {
    const reportedHere = new PartsReportedHere();
    const backend = reportedHere.watch({ reportUploadedPart: async () => null } as never);
    void backend.reportUploadedPart({ jobId: "j", partNumber: 2, etag: '"e"', size: 1 });
    const recorded = [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }];
    expect(reportedHere.countOthers("j", recorded)).toBe(2);
    expect(reportedHere.countOthers("another job", recorded)).toBe(3);
  });
});
