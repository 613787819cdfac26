/**
 * How the local worker waits for work without polling: it subscribes to
 * `workerQueue.nextClaimableAt` and wakes its claim loop when that time comes. A job backing
 * off after a retry, or a lease that may run out, has a known time: it wakes then. While the
 * answer stays a time in the past, the claims found nothing (Convex's clock behind ours, or the
 * slots busy): it looks again later, backing off up to `MAX_RECHECK_MS`, until the answer
 * changes. With nothing queued and no lease held (`null`), it makes no claim at all.
 *
 * The clock is injectable so a test can let a minute pass at once (`queueWake.drill.test.ts`).
 */
import type { ConvexClient } from "convex/browser";
import { api } from "../../convex/_generated/api";
import type { WorkKind } from "../../convex/lib/workerProtocol";

/** The longest wait between looks at a due time whose claims keep finding nothing. */
export const MAX_RECHECK_MS = 30_000;
/** The longest single timer towards a due time. */
const MAX_TIMER_MS = 60 * 60_000;
/** The first look again at a due time whose claim found nothing. */
const FIRST_RECHECK_MS = 1_000;

export type WakeClock = {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export const systemClock: WakeClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export type QueueWakeOptions = {
  client: Pick<ConvexClient, "onUpdate">;
  workerSecret: string;
  /** The work the worker serves: it wakes only for these (unset: jobs only). */
  kinds?: readonly WorkKind[];
  /** Fills the claim loop's free slots. */
  wake: () => void;
  onError: (error: Error) => void;
  clock?: WakeClock;
};

/** Subscribes; returns the unsubscribe, which also cancels a pending wake. */
export function wakeOnQueue({ client, workerSecret, kinds, wake, onError, clock = systemClock }: QueueWakeOptions): () => void {
  let wakeTimer: unknown;
  const wakeAt = (at: number, recheckMs: number) => {
    clock.clearTimeout(wakeTimer);
    const delay = at - clock.now();
    if (delay <= 0) wake();
    // Capped: a far-off time (a long backoff) is looked at again in steps, and Node would
    // fire a delay over 2^31 - 1 ms at once.
    wakeTimer = clock.setTimeout(
      () => wakeAt(at, delay > 0 ? recheckMs : Math.min(2 * recheckMs, MAX_RECHECK_MS)),
      delay > 0 ? Math.min(delay + 50, MAX_TIMER_MS) : recheckMs,
    );
  };
  const unsubscribe = client.onUpdate(
    api.workerQueue.nextClaimableAt,
    { workerSecret, ...(kinds === undefined ? {} : { kinds: [...kinds] }) },
    (nextClaimableAt) => {
      clock.clearTimeout(wakeTimer);
      if (nextClaimableAt !== null) wakeAt(nextClaimableAt, FIRST_RECHECK_MS);
    },
    onError,
  );
  return () => {
    unsubscribe();
    clock.clearTimeout(wakeTimer);
  };
}
