import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { JobStopped, startJobHeartbeat } from "./jobHeartbeat";
import { answerJson, startStubWorkerApiServer, type StubWorkerApiServer } from "./testing/stubWorkerApiServer";
import { createWorkerApiClient, StaleClaimError } from "./workerApiClient";

type Beat = { stage: string; pct: number; media?: unknown };

function harness(answer: () => Promise<{ state: "active"; leaseExpiresAt: number } | { state: "canceled" }>) {
  const beats: Beat[] = [];
  const warnings: string[] = [];
  const stop = new AbortController();
  const heartbeat = startJobHeartbeat({
    api: {
      heartbeat: async ({ stage, pct, media }) => {
        beats.push({ stage, pct, ...(media ? { media } : {}) });
        return answer();
      },
    },
    claim: { jobId: "job1", claimToken: "token" },
    leaseSeconds: 120,
    stop,
    log: { info: () => {}, warn: (event) => warnings.push(event) },
    progressIntervalMs: 2_000,
    now: () => Date.now(),
  });
  return { beats, warnings, stop, heartbeat };
}

const active = async () => ({ state: "active" as const, leaseExpiresAt: 0 });

describe("job heartbeat", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("merges the beats asked for while one is stuck into a single beat with the latest news", async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const { beats, heartbeat } = harness(async () => {
      if (++calls === 1) await stuck;
      return active();
    });
    heartbeat.report("download", 0);
    await vi.advanceTimersByTimeAsync(0);
    // While the first beat hangs: new stages, a progress report, media and a timer beat.
    heartbeat.report("probe", 0);
    const withMedia = heartbeat.beatNow({ durationSec: 60 } as never);
    heartbeat.report("scan", 10);
    heartbeat.report("scan", 40);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(beats).toEqual([{ stage: "download", pct: 0 }]);
    release();
    await withMedia;
    expect(beats).toEqual([
      { stage: "download", pct: 0 },
      { stage: "scan", pct: 40, media: { durationSec: 60 } },
    ]);
  });

  test("sends a new stage at once and percent changes at most every interval", async () => {
    const { beats, heartbeat } = harness(active);
    heartbeat.report("download", 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(beats).toEqual([{ stage: "download", pct: 0 }]);

    // 100 reports within half an interval: no beat until the interval has passed.
    for (let pct = 1; pct <= 100; pct++) {
      heartbeat.report("download", pct / 2);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(beats.length).toBe(1);

    await vi.advanceTimersByTimeAsync(2_000);
    heartbeat.report("download", 60);
    await vi.advanceTimersByTimeAsync(0);
    expect(beats.at(-1)).toEqual({ stage: "download", pct: 60 });

    // The same whole percent again is not news.
    const count = beats.length;
    await vi.advanceTimersByTimeAsync(2_000);
    heartbeat.report("download", 60.2);
    await vi.advanceTimersByTimeAsync(0);
    expect(beats.length).toBe(count);
    heartbeat.stop();
  });

  test("beats every third of the lease with the latest progress, and not after stop", async () => {
    const { beats, heartbeat } = harness(active);
    heartbeat.report("stills", 0);
    await vi.advanceTimersByTimeAsync(0);
    heartbeat.report("stills", 40);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(beats.at(-1)).toEqual({ stage: "stills", pct: 40 });
    heartbeat.stop();
    const count = beats.length;
    await vi.advanceTimersByTimeAsync(200_000);
    expect(beats.length).toBe(count);
  });

  test("beatNow carries the media and waits for the answer", async () => {
    const { beats, heartbeat } = harness(active);
    await heartbeat.beatNow({ durationSec: 3, width: 320, height: 240, fps: 30, hasAudio: false, videoCodec: "h264" } as never);
    expect(beats[0]).toMatchObject({ stage: "claimed", media: { durationSec: 3 } });
    heartbeat.stop();
  });

  test("a canceled job aborts the work with JobStopped('canceled')", async () => {
    const { stop, heartbeat } = harness(async () => ({ state: "canceled" }));
    heartbeat.report("download", 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(stop.signal.aborted).toBe(true);
    expect(stop.signal.reason).toBeInstanceOf(JobStopped);
    expect((stop.signal.reason as JobStopped).outcome).toBe("canceled");
    heartbeat.stop();
  });

  test("a lost claim aborts with JobStopped('lost'); other errors are logged and beating goes on", async () => {
    let fail: Error = new Error("backend down");
    const { stop, warnings, beats, heartbeat } = harness(async () => {
      throw fail;
    });
    heartbeat.report("download", 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(stop.signal.aborted).toBe(false);
    expect(warnings).toEqual(["heartbeat failed"]);

    fail = new StaleClaimError();
    await vi.advanceTimersByTimeAsync(40_000);
    expect(beats.length).toBe(2);
    expect((stop.signal.reason as JobStopped).outcome).toBe("lost");
    heartbeat.stop();
  });
});

describe("job heartbeat against a stalled backend", () => {
  let server: StubWorkerApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test("a beat whose request never gets an answer does not hold back the next one", { timeout: 5_000 }, async () => {
    // The first heartbeat request stalls forever; the later ones are answered.
    server = await startStubWorkerApiServer((_request, response) => {
      if (server!.received.length > 1) answerJson(response, { state: "active", leaseExpiresAt: 0 });
    });
    // The client's own limit is far too long: the heartbeat derives one from the lease.
    const api = createWorkerApiClient({ siteUrl: server.siteUrl, secret: "s", retryDelaysMs: [], requestTimeoutMs: 60_000 });
    const warnings: string[] = [];
    const heartbeat = startJobHeartbeat({
      api,
      claim: { jobId: "job1", claimToken: "token" },
      leaseSeconds: 3, // a beat every second, each request limited to 250 ms
      stop: new AbortController(),
      log: { info: () => {}, warn: (event) => warnings.push(event) },
    });
    try {
      heartbeat.report("download", 0);
      await vi.waitFor(() => expect(server!.received.length).toBeGreaterThanOrEqual(2), { timeout: 2_500, interval: 50 });
      expect(warnings[0]).toBe("heartbeat failed");
    } finally {
      heartbeat.stop();
    }
  });
});
