/**
 * Byte progress that never runs backwards: a part's in-flight bytes are kept at their
 * high-water mark, so a retried part re-sending from zero does not shrink the total.
 * Speed is an exponentially weighted moving average over time, read as of now: the time since
 * the last progress event counts at the rate it actually had, so a stalled upload's speed decays
 * toward zero instead of freezing at its last value. ETA follows from it.
 */

/** Samples closer together than this are merged, so bursts of progress events do not spike the speed. */
const MIN_SAMPLE_INTERVAL_MS = 200;

export interface ProgressFigures {
  bytesTotal: number;
  /** Bytes of parts the server has recorded. */
  bytesConfirmed: number;
  /** Bytes sent of parts not yet recorded (each part's best attempt so far). */
  bytesInFlight: number;
  /** bytesConfirmed + bytesInFlight. */
  bytesUploaded: number;
  /** 0–100. */
  percent: number;
  bytesPerSecond: number;
  /** Null while the speed is unknown or zero. */
  etaSeconds: number | null;
}

export class ProgressTracker {
  private bytesConfirmed: number;
  private readonly inFlightHighWater = new Map<number, number>();
  private bytesInFlight = 0;
  private smoothedSpeed: number | null = null;
  private lastSample: { at: number; bytes: number } | null = null;

  constructor(
    private readonly bytesTotal: number,
    alreadyConfirmedBytes: number,
    private readonly now: () => number,
    private readonly smoothingMs: number,
  ) {
    this.bytesConfirmed = alreadyConfirmedBytes;
  }

  /** Records that `loadedBytes` of a part's `partBytes` were sent; returns whether the total grew. */
  recordSent(partNumber: number, loadedBytes: number, partBytes: number): boolean {
    const previous = this.inFlightHighWater.get(partNumber) ?? 0;
    const next = Math.min(Math.max(loadedBytes, 0), partBytes);
    if (next <= previous) return false;
    this.inFlightHighWater.set(partNumber, next);
    this.bytesInFlight += next - previous;
    this.sampleSpeed();
    return true;
  }

  /** The server recorded the part: its bytes move from in flight to confirmed. */
  confirm(partNumber: number, partBytes: number): void {
    this.bytesInFlight -= this.inFlightHighWater.get(partNumber) ?? 0;
    this.inFlightHighWater.delete(partNumber);
    this.bytesConfirmed += partBytes;
    this.sampleSpeed();
  }

  /** Forgets the timing baseline, so a pause is not averaged in as zero speed. */
  restartSpeedClock(): void {
    this.lastSample = null;
  }

  /** `measuring` is false while paused or offline: speed reads 0 and ETA unknown. */
  figures(measuring: boolean): ProgressFigures {
    const bytesUploaded = this.bytesConfirmed + this.bytesInFlight;
    const bytesPerSecond = measuring ? this.speedNow() : 0;
    return {
      bytesTotal: this.bytesTotal,
      bytesConfirmed: this.bytesConfirmed,
      bytesInFlight: this.bytesInFlight,
      bytesUploaded,
      percent: this.bytesTotal > 0 ? (100 * bytesUploaded) / this.bytesTotal : 0,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 ? (this.bytesTotal - bytesUploaded) / bytesPerSecond : null,
    };
  }

  private sampleSpeed(): void {
    const at = this.now();
    const bytes = this.bytesConfirmed + this.bytesInFlight;
    if (this.lastSample === null) {
      this.lastSample = { at, bytes };
      return;
    }
    if (at - this.lastSample.at < MIN_SAMPLE_INTERVAL_MS) return;
    this.smoothedSpeed = this.speedAfter(this.lastSample, at, bytes);
    this.lastSample = { at, bytes };
  }

  /** The average including the time since the last sample, without recording it. */
  private speedNow(): number {
    if (this.smoothedSpeed === null || this.lastSample === null) return this.smoothedSpeed ?? 0;
    const at = this.now();
    if (at - this.lastSample.at < MIN_SAMPLE_INTERVAL_MS) return this.smoothedSpeed;
    return this.speedAfter(this.lastSample, at, this.bytesConfirmed + this.bytesInFlight);
  }

  /** The moving average once the interval from `since` to `at`, with `bytes` sent by then, is added. */
  private speedAfter(since: { at: number; bytes: number }, at: number, bytes: number): number {
    const elapsedMs = at - since.at;
    const rate = ((bytes - since.bytes) * 1000) / elapsedMs;
    if (this.smoothedSpeed === null) return rate;
    // Weight by elapsed time, so the average means the same whatever the event rate.
    const weight = 1 - Math.exp(-elapsedMs / this.smoothingMs);
    return this.smoothedSpeed + weight * (rate - this.smoothedSpeed);
  }
}
