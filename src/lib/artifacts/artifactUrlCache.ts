/**
 * Short-lived artifact URLs, kept fresh: a URL is fetched as soon as an artifact is tracked
 * and fetched again before it expires, so a media element that needs a new one (to seek, to
 * recover from an error) finds it ready. Framework-free; `useArtifactUrls` is the React side.
 *
 * Nothing is fetched while inactive (the page hidden or the gallery unmounted): on becoming
 * active again, whatever is missing or due is fetched at once.
 */

/**
 * A URL and how long it stays valid from when it was handed out (`artifacts.getDownloadUrl`):
 * a lifetime rather than a time of day, so this page counts it on its own clock, which may
 * disagree with the server's by minutes.
 */
export type SignedUrl = { url: string; expiresInMs: number };

export type ArtifactUrlCacheOptions = {
  /** Fetch a new URL this long before the current one expires (at most half its lifetime). */
  refreshMarginMs: number;
  /** Wait after a failed fetch, doubled per consecutive failure up to 16×. */
  retryDelayMs: number;
  /** `refresh()` fetches at most this often per artifact… */
  minForcedIntervalMs: number;
  /** …and at most this many times, so a broken file cannot make it loop. */
  maxForcedRefreshes: number;
  now: () => number;
  setTimer: (run: () => void, delayMs: number) => unknown;
  clearTimer: (timer: unknown) => void;
};

export const DEFAULT_ARTIFACT_URL_CACHE_OPTIONS: ArtifactUrlCacheOptions = {
  refreshMarginMs: 60_000,
  retryDelayMs: 2_000,
  minForcedIntervalMs: 5_000,
  maxForcedRefreshes: 3,
  now: () => Date.now(),
  setTimer: (run, delayMs) => setTimeout(run, delayMs),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

type Entry = {
  signed: SignedUrl | undefined;
  inFlight: boolean;
  nextFetchAt: number;
  lastFetchAt: number | undefined;
  failures: number;
  forcedRefreshes: number;
};

export class ArtifactUrlCache<Id extends string = string> {
  private readonly options: ArtifactUrlCacheOptions;
  private readonly entries = new Map<Id, Entry>();
  private readonly listeners = new Set<() => void>();
  private snapshot: ReadonlyMap<Id, SignedUrl> = new Map();
  private active = false;
  private timer: unknown = undefined;

  constructor(
    private readonly signUrl: (id: Id) => Promise<SignedUrl>,
    options: Partial<ArtifactUrlCacheOptions> = {},
  ) {
    this.options = { ...DEFAULT_ARTIFACT_URL_CACHE_OPTIONS, ...options };
  }

  /** The artifacts whose URLs are wanted; others are forgotten. */
  track(ids: Iterable<Id>): void {
    const wanted = new Set(ids);
    let forgot = false;
    for (const id of this.entries.keys()) {
      if (!wanted.has(id)) {
        this.entries.delete(id);
        forgot = true;
      }
    }
    const now = this.options.now();
    for (const id of wanted) {
      if (!this.entries.has(id)) {
        this.entries.set(id, {
          signed: undefined,
          inFlight: false,
          nextFetchAt: now,
          lastFetchAt: undefined,
          failures: 0,
          forcedRefreshes: 0,
        });
      }
    }
    if (forgot) this.publish();
    this.fetchDue();
  }

  /** Fetches a new URL soon, because the current one failed (expired, or the element broke). */
  readonly refresh = (id: Id): void => {
    const entry = this.entries.get(id);
    if (!entry || entry.inFlight || entry.forcedRefreshes >= this.options.maxForcedRefreshes) return;
    entry.forcedRefreshes++;
    const earliest = (entry.lastFetchAt ?? -Infinity) + this.options.minForcedIntervalMs;
    entry.nextFetchAt = Math.min(entry.nextFetchAt, Math.max(this.options.now(), earliest));
    this.fetchDue();
  };

  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    if (active) this.fetchDue();
    else this.clearTimer();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes identity only when a URL changed. */
  readonly getSnapshot = (): ReadonlyMap<Id, SignedUrl> => this.snapshot;

  private fetchDue(): void {
    if (!this.active) return;
    const now = this.options.now();
    for (const [id, entry] of this.entries) {
      if (!entry.inFlight && entry.nextFetchAt <= now) this.fetch(id, entry);
    }
    this.schedule();
  }

  private fetch(id: Id, entry: Entry): void {
    entry.inFlight = true;
    const requestedAt = this.options.now();
    entry.lastFetchAt = requestedAt;
    const settle = (update: (now: number) => void) => {
      // Forgotten (or forgotten and tracked again) while in flight: the answer is not wanted.
      if (this.entries.get(id) !== entry) return;
      entry.inFlight = false;
      update(this.options.now());
      this.schedule();
    };
    this.signUrl(id).then(
      (signed) =>
        settle(() => {
          entry.signed = signed;
          entry.failures = 0;
          // Counted from when the call was made, which is before the URL was signed.
          const lifetime = Math.max(0, signed.expiresInMs);
          entry.nextFetchAt = requestedAt + lifetime - Math.min(this.options.refreshMarginMs, lifetime / 2);
          this.publish();
        }),
      () =>
        settle((now) => {
          entry.failures++;
          entry.nextFetchAt = now + this.options.retryDelayMs * 2 ** Math.min(entry.failures - 1, 4);
        }),
    );
  }

  private schedule(): void {
    this.clearTimer();
    if (!this.active) return;
    let next = Infinity;
    for (const entry of this.entries.values()) {
      if (!entry.inFlight) next = Math.min(next, entry.nextFetchAt);
    }
    if (next === Infinity) return;
    this.timer = this.options.setTimer(() => {
      this.timer = undefined;
      this.fetchDue();
    }, Math.max(0, next - this.options.now()));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.clearTimer(this.timer);
    this.timer = undefined;
  }

  private publish(): void {
    const snapshot = new Map<Id, SignedUrl>();
    for (const [id, entry] of this.entries) if (entry.signed) snapshot.set(id, entry.signed);
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }
}
