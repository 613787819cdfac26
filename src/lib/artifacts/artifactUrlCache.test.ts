import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ArtifactUrlCache, type SignedUrl } from "./artifactUrlCache";

const TTL_MS = 300_000;

/** A signer whose URLs say which call made them, and which fails while `failing` is set. */
function fakeSigner() {
  const calls: string[] = [];
  const state = { failing: false };
  const sign = vi.fn(async (id: string): Promise<SignedUrl> => {
    calls.push(id);
    if (state.failing) throw new Error("offline");
    return { url: `https://s3.test/${id}?n=${calls.length}`, expiresInMs: TTL_MS };
  });
  return { sign, calls, state };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe("ArtifactUrlCache", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fetches each tracked artifact once, only while active, and publishes the URLs", async () => {
    const { sign, calls } = fakeSigner();
    const cache = new ArtifactUrlCache(sign);
    const seen = vi.fn();
    cache.subscribe(seen);
    cache.track(["a", "b"]);
    await flush();
    expect(calls).toEqual([]);

    cache.setActive(true);
    await flush();
    expect(calls).toEqual(["a", "b"]);
    expect(cache.getSnapshot().get("a")?.url).toBe("https://s3.test/a?n=1");
    expect(seen).toHaveBeenCalled();

    cache.track(["a", "b", "c"]);
    await flush();
    expect(calls).toEqual(["a", "b", "c"]);
  });

  it("refreshes a URL a minute before it expires, and keeps the snapshot stable in between", async () => {
    const { sign, calls } = fakeSigner();
    const cache = new ArtifactUrlCache(sign);
    cache.setActive(true);
    cache.track(["a"]);
    await flush();
    const first = cache.getSnapshot();

    await vi.advanceTimersByTimeAsync(TTL_MS - 60_001);
    expect(calls).toEqual(["a"]);
    expect(cache.getSnapshot()).toBe(first);

    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["a", "a"]);
    expect(cache.getSnapshot().get("a")?.url).toBe("https://s3.test/a?n=2");
  });

  it("pauses while inactive and catches up at once when active again", async () => {
    const { sign, calls } = fakeSigner();
    const cache = new ArtifactUrlCache(sign);
    cache.setActive(true);
    cache.track(["a"]);
    await flush();
    cache.setActive(false);
    await vi.advanceTimersByTimeAsync(TTL_MS * 3);
    expect(calls).toEqual(["a"]);
    cache.setActive(true);
    await flush();
    expect(calls).toEqual(["a", "a"]);
  });

  it("retries a failed fetch with growing delays", async () => {
    const { sign, calls, state } = fakeSigner();
    const cache = new ArtifactUrlCache(sign, { retryDelayMs: 1000 });
    state.failing = true;
    cache.setActive(true);
    cache.track(["a"]);
    await flush();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toHaveLength(2);
    state.failing = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    expect(cache.getSnapshot().get("a")).toBeDefined();
  });

  it("refreshes on demand, rate-limited and capped so a broken file cannot loop", async () => {
    const { sign, calls } = fakeSigner();
    const cache = new ArtifactUrlCache(sign, { minForcedIntervalMs: 5000, maxForcedRefreshes: 2 });
    cache.setActive(true);
    cache.track(["a"]);
    await flush();

    cache.refresh("a");
    await flush();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(2);

    cache.refresh("a");
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(3);

    cache.refresh("a");
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(3);
  });

  it("forgets untracked artifacts and ignores answers for them", async () => {
    let resolve: (value: SignedUrl) => void = () => undefined;
    const sign = vi.fn(() => new Promise<SignedUrl>((r) => (resolve = r)));
    const cache = new ArtifactUrlCache(sign);
    cache.setActive(true);
    cache.track(["a"]);
    cache.track([]);
    resolve({ url: "https://s3.test/a", expiresInMs: TTL_MS });
    await flush();
    expect(cache.getSnapshot().size).toBe(0);
    await vi.advanceTimersByTimeAsync(TTL_MS * 2);
    expect(sign).toHaveBeenCalledTimes(1);
  });

  it("counts a URL's lifetime on this page's clock, however far it is from the server's", async () => {
    const { sign, calls } = fakeSigner();
    // This page's clock is two hours ahead: a time of day from the server would look long past.
    const cache = new ArtifactUrlCache(sign, { now: () => Date.now() + 2 * 3600_000 });
    cache.setActive(true);
    cache.track(["a"]);
    await flush();
    await vi.advanceTimersByTimeAsync(TTL_MS - 60_001);
    expect(calls).toEqual(["a"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["a", "a"]);
  });

  it("refreshes a short-lived URL at half its lifetime", async () => {
    const sign = vi.fn(async () => ({ url: "https://s3.test/a", expiresInMs: 20_000 }));
    const cache = new ArtifactUrlCache(sign);
    cache.setActive(true);
    cache.track(["a"]);
    await flush();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sign).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sign).toHaveBeenCalledTimes(2);
  });
});
