import { afterEach, expect, test, vi } from "vitest";
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

test("the log line of a failed job carries the cause chain: a missing ffprobe says to install FFmpeg", async () => {
  vi.stubEnv("FFPROBE_PATH", "/nonexistent/ffprobe");
  try {
    const source = new TextEncoder().encode("some uploaded bytes");
    const api = {
      heartbeat: vi.fn(async () => ({ state: "active" as const, leaseExpiresAt: 0 })),
      fail: vi.fn(async () => ({ outcome: "requeued" as const })),
    } as unknown as WorkerApi;
    const warnings: Array<{ event: string; fields?: Record<string, unknown> }> = [];
    const log = { info: () => {}, warn: (event: string, fields?: Record<string, unknown>) => warnings.push({ event, fields }) };

    const outcome = await processClaimedJob(
      { ...job, leaseSeconds: 60, source: { url: "http://127.0.0.1:9/source", bytes: source.length } },
      { api, log, shutdownSignal: new AbortController().signal, fetch: async () => new Response(source) },
    );

    expect(outcome).toBe("requeued");
    // The job's message stays the user's; the reason is in the log.
    expect(api.fail).toHaveBeenCalledWith(expect.objectContaining({ code: "processing_error", message: "Could not inspect the video." }));
    expect(warnings).toEqual([
      {
        event: "job failed",
        fields: expect.objectContaining({
          cause: expect.stringMatching(/^PipelineError: Could not inspect the video\. ← caused by .*\/nonexistent\/ffprobe.*install FFmpeg/),
        }),
      },
    ]);
  } finally {
    vi.unstubAllEnvs();
  }
});
