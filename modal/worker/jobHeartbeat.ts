/**
 * Keeps a claimed job's (or task's) lease alive and carries its progress to Convex. A beat goes out every
 * third of the lease; a new stage goes out at once; a percent change within a stage goes out at
 * most once per `progressIntervalMs`, so the page's bar moves without flooding the backend.
 * When Convex answers that the job was canceled, or that the claim is no longer ours, the
 * given controller is aborted with a `JobStopped` reason.
 * Beats go out one after another, so each request has a time limit derived from the lease
 * (`heartbeatRequestTimeoutMs`): a stalled one must not hold back the next until the lease runs out.
 */
import type { ClaimRef, ProcessingStage, TaskStage } from "../../convex/lib/workerProtocol";
import type { Media } from "../../convex/lib/validators";
import { DEFAULT_REQUEST_TIMEOUT_MS, StaleClaimError, type WorkerApi } from "./workerApiClient";
import { claimedWorkFields, type WorkerLog } from "./workerLog";

/** Why a job's work stopped before it finished; the abort reason of the job's controller. */
export class JobStopped extends Error {
  constructor(readonly outcome: "canceled" | "lost" | "interrupted") {
    super(outcome);
  }
}

export const PROGRESS_INTERVAL_MS = 2_000;

/** A job's processing stages or a task's. */
type WorkStage = ProcessingStage | TaskStage;

/** A beat every third of the lease (at least a second apart). */
function beatIntervalMs(leaseSeconds: number): number {
  return Math.max(1000, (leaseSeconds * 1000) / 3);
}

/**
 * Each heartbeat request's time limit: a quarter of the beat interval (a call is up to four
 * tries), at most the client's default. A stalled beat and its retries then give up about
 * when the next beat is due, so the next one is at most about an interval late and the lease,
 * three intervals long, does not run out while the worker is healthy.
 */
function heartbeatRequestTimeoutMs(leaseSeconds: number): number {
  return Math.min(DEFAULT_REQUEST_TIMEOUT_MS, Math.floor(beatIntervalMs(leaseSeconds) / 4));
}

export type JobHeartbeat = {
  /** Records progress: a new stage is sent at once, a new percent at most every interval. */
  report(stage: WorkStage, pct: number): void;
  /** Sends a beat now (with the probed media, once known) and waits for it. */
  beatNow(media?: Media): Promise<void>;
  stop(): void;
};

export function startJobHeartbeat(options: {
  api: Pick<WorkerApi, "heartbeat">;
  claim: ClaimRef;
  leaseSeconds: number;
  stop: AbortController;
  log: WorkerLog;
  progressIntervalMs?: number;
  now?: () => number;
}): JobHeartbeat {
  const { api, claim, stop, log } = options;
  const progressIntervalMs = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const timeoutMs = heartbeatRequestTimeoutMs(options.leaseSeconds);
  let stage: WorkStage = "claimed";
  let pct = 0;
  let sent: { stage: WorkStage; pct: number; at: number } = { stage, pct: 0, at: -Infinity };
  let inFlight: Promise<void> = Promise.resolve();
  /**
   * The beat queued behind the one in flight, if any. Later beats merge into it rather than
   * queue up (it sends the stage and progress of when it goes out, and any media given), so a
   * slow or unreachable backend gets one beat when it recovers, not one per report meanwhile.
   */
  let queued: { media?: Media; sent: Promise<void> } | null = null;

  const beat = (media?: Media): Promise<void> => {
    if (queued) {
      if (media) queued.media = media;
      return queued.sent;
    }
    const next: { media?: Media; sent: Promise<void> } = { ...(media ? { media } : {}), sent: Promise.resolve() };
    next.sent = inFlight.then(async () => {
      queued = null;
      if (stop.signal.aborted) return;
      sent = { stage, pct: Math.round(pct), at: now() };
      try {
        const answer = await api.heartbeat(
          { ...claim, stage: sent.stage, pct: sent.pct, ...(next.media ? { media: next.media } : {}) },
          { timeoutMs },
        );
        if (answer.state === "canceled") stop.abort(new JobStopped("canceled"));
      } catch (error) {
        if (error instanceof StaleClaimError) stop.abort(new JobStopped("lost"));
        else log.warn("heartbeat failed", { ...claimedWorkFields(claim), cause: error instanceof Error ? error.message : String(error) });
      }
    });
    queued = next;
    inFlight = next.sent;
    return next.sent;
  };
  const timer = setInterval(() => void beat(), beatIntervalMs(options.leaseSeconds));
  let lastReportedStage: WorkStage = stage;

  return {
    report(nextStage, nextPct) {
      stage = nextStage;
      pct = nextPct;
      if (nextStage !== lastReportedStage) {
        lastReportedStage = nextStage;
        void beat();
      } else if (Math.round(nextPct) !== sent.pct && now() - sent.at >= progressIntervalMs) {
        // Marked as sent now, so the reports arriving while this beat is queued don't add more.
        sent = { ...sent, at: now() };
        void beat();
      }
    },
    beatNow: (media) => beat(media),
    stop: () => clearInterval(timer),
  };
}
