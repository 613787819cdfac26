/**
 * Byte progress that never runs backwards: a part's in-flight bytes are kept at their
 * high-water mark, so a retried part re-sending from zero does not shrink the total.
 * Speed is an exponentially weighted moving average over time; ETA follows from it.
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
    const bytesPerSecond = measuring ? (this.smoothedSpeed ?? 0) : 0;
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
    const elapsedMs = at - this.lastSample.at;
    if (elapsedMs < MIN_SAMPLE_INTERVAL_MS) return;
    const rate = ((bytes - this.lastSample.bytes) * 1000) / elapsedMs;
    // Weight by elapsed time, so the average means the same whatever the event rate.
    const weight = 1 - Math.exp(-elapsedMs / this.smoothingMs);
    this.smoothedSpeed = this.smoothedSpeed === null ? rate : this.smoothedSpeed + weight * (rate - this.smoothedSpeed);
    this.lastSample = { at, bytes };
  }
}
