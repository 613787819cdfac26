import { createHash } from "node:crypto";
import { afterEach, describe, expect, test, vi } from "vitest";
import { crc32c, crc32cToBase64 } from "../../convex/lib/crc32c";
import type { ClaimedJob } from "../../convex/lib/workerProtocol";
import { processClaimedJob } from "./processClaimedJob";
import type { WorkerApi } from "./workerApiClient";

afterEach(() => {
  vi.useRealTimers();
});

const job: ClaimedJob = {
  jobId: "job1",
  claimToken: "token",
  attempt: 1,
  leaseExpiresAt: 0,
  leaseSeconds: 3,
  maxVideoSeconds: 100,
  source: { url: "http://127.0.0.1:9/source", bytes: 1 },
};

test("a work folder that cannot be created (a bad TMPDIR, a full disk) fails the claim and stops the heartbeat", async () => {
  vi.useFakeTimers();
  const heartbeat = vi.fn(async () => ({ state: "active" as const, leaseExpiresAt: 0 }));
  const fail = vi.fn(async () => ({ outcome: "requeued" as const }));
  const api = { heartbeat, fail } as unknown as WorkerApi;
  const warnings: Array<{ event: string; fields?: Record<string, unknown> }> = [];
  const log = { info: () => {}, warn: (event: string, fields?: Record<string, unknown>) => warnings.push({ event, fields }) };
  const shutdown = new AbortController();
  const removeListener = vi.spyOn(shutdown.signal, "removeEventListener");

  const outcome = await processClaimedJob(job, { api, log, shutdownSignal: shutdown.signal, workRoot: "/nonexistent/reeldrop" });

  expect(outcome).toBe("requeued");
  expect(fail).toHaveBeenCalledTimes(1);
  expect(fail).toHaveBeenCalledWith(expect.objectContaining({ jobId: "job1", claimToken: "token", code: "processing_error" }));
  expect(warnings).toEqual([{ event: "job failed", fields: expect.objectContaining({ code: "processing_error", cause: expect.stringMatching(/ENOENT/) }) }]);
  expect(removeListener).toHaveBeenCalledWith("abort", expect.any(Function));
  // The lease is no longer renewed: no beat goes out in many lease lengths.
  const beatsBefore = heartbeat.mock.calls.length;
  await vi.advanceTimersByTimeAsync(60_000);
  expect(heartbeat.mock.calls.length - beatsBefore).toBe(0);
});

type LogEntry = { event: string; fields?: Record<string, unknown> };

/**
 * Runs a job whose source download answers `source`, with ffprobe missing: a job that gets past
 * the download and its checks fails at the probe with "Could not inspect the video.".
 */
async function runWithSource(source: Uint8Array<ArrayBuffer>, claim: Partial<ClaimedJob> = {}) {
  vi.stubEnv("FFPROBE_PATH", "/nonexistent/ffprobe");
  try {
    const api = {
      heartbeat: vi.fn(async () => ({ state: "active" as const, leaseExpiresAt: 0 })),
      fail: vi.fn(async () => ({ outcome: "failed" as const })),
    } as unknown as WorkerApi;
    const infos: LogEntry[] = [];
    const warnings: LogEntry[] = [];
    const log = {
      info: (event: string, fields?: Record<string, unknown>) => infos.push({ event, fields }),
      warn: (event: string, fields?: Record<string, unknown>) => warnings.push({ event, fields }),
    };
    const outcome = await processClaimedJob(
      { ...job, leaseSeconds: 60, source: { url: "http://127.0.0.1:9/source", bytes: source.length }, ...claim },
      { api, log, shutdownSignal: new AbortController().signal, fetch: async () => new Response(source) },
    );
    return { outcome, fail: api.fail, infos, warnings };
  } finally {
    vi.unstubAllEnvs();
  }
}

test("the log line of a failed job carries the cause chain: a missing ffprobe says to install FFmpeg", async () => {
  const { outcome, fail, warnings } = await runWithSource(new TextEncoder().encode("some uploaded bytes"));
  expect(outcome).toBe("failed");
  // The job's message stays the user's; the reason is in the log.
  expect(fail).toHaveBeenCalledWith(expect.objectContaining({ code: "processing_error", message: "Could not inspect the video." }));
  expect(warnings).toEqual([
    {
      event: "job failed",
      fields: expect.objectContaining({
        cause: expect.stringMatching(/^PipelineError: Could not inspect the video\. ← caused by .*\/nonexistent\/ffprobe.*install FFmpeg/),
      }),
    },
  ]);
});

describe("the source's CRC32C, computed while it downloads", () => {
  const uploaded = new TextEncoder().encode("the bytes the browser uploaded, part by part");
  const stored = Uint8Array.from(uploaded);
  stored[7]! ^= 0x20;

  test("a stored source whose bytes differ from the claim's sourceCrc32c fails as integrity, before it is probed", async () => {
    const { outcome, fail, infos } = await runWithSource(stored, { sourceCrc32c: crc32cToBase64(crc32c(uploaded)) });
    expect(outcome).toBe("failed");
    expect(fail).toHaveBeenCalledTimes(1);
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ code: "integrity", message: expect.stringMatching(/CRC32C/) }));
    expect(infos.map((entry) => entry.event)).not.toContain("source downloaded");
  });

  test("a matching one goes on to the probe; the log line has the source's CRC32C and SHA-256", async () => {
    const { fail, infos } = await runWithSource(uploaded, { sourceCrc32c: crc32cToBase64(crc32c(uploaded)) });
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ code: "processing_error", message: "Could not inspect the video." }));
    expect(infos).toContainEqual({
      event: "source downloaded",
      fields: {
        jobId: job.jobId,
        bytes: uploaded.length,
        crc32c: crc32cToBase64(crc32c(uploaded)),
        crc32cChecked: true,
        sha256: createHash("sha256").update(uploaded).digest("hex"),
      },
    });
  });

  test("without sourceCrc32c (a job uploaded without part checksums) the source is not checked", async () => {
    const { fail, infos } = await runWithSource(stored, { source: { url: "http://127.0.0.1:9/source", bytes: stored.length } });
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ code: "processing_error" }));
    expect(infos).toContainEqual({ event: "source downloaded", fields: expect.objectContaining({ crc32cChecked: false }) });
  });
});
