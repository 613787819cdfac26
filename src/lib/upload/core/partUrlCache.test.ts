import { describe, expect, it } from "vitest";
import { PartUrlCache, type PartUrlNeed } from "./partUrlCache";
import type { SignedPartUrl } from "./uploadBackend";
import { UploadError } from "./uploadError";

function cacheWithClock(ttlMs = 600_000, marginMs = 60_000) {
  let now = 1_000_000;
  const calls: PartUrlNeed[][] = [];
  let answer: (needs: PartUrlNeed[]) => SignedPartUrl[] = (needs) =>
    needs.map(({ partNumber, checksum }) => ({ partNumber, url: `u${partNumber}-${checksum}-${calls.length}`, expiresInMs: ttlMs }));
  const cache = new PartUrlCache(
    async (needs) => {
      calls.push(needs);
      return answer(needs);
    },
    () => now,
    marginMs,
  );
  return {
    cache,
    calls,
    advance: (ms: number) => (now += ms),
    answerWith: (fn: typeof answer) => (answer = fn),
  };
}

describe("PartUrlCache", () => {
  it("signs a batch in one call and hands each part its URL", async () => {
    const { cache, calls } = cacheWithClock();
    const signing = cache.signBatch([
      { partNumber: 1, checksum: "a" },
      { partNumber: 2, checksum: "b" },
    ]);
    expect(cache.isCovered(1, "a")).toBe(true);
    await expect(cache.pending(2, "b")).resolves.toMatchObject({ partNumber: 2 });
    await signing;
    expect(cache.usable(1, "a")?.url).toBe("u1-a-1");
    expect(calls).toHaveLength(1);
  });

  it("does not sign again what is already signed or being signed", async () => {
    const { cache, calls } = cacheWithClock();
    const first = cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    await cache.signBatch([
      { partNumber: 1, checksum: "a" },
      { partNumber: 2, checksum: "b" },
    ]);
    await first;
    await cache.signBatch([{ partNumber: 2, checksum: "b" }]);
    expect(calls.map((call) => call.map((need) => need.partNumber))).toEqual([[1], [2]]);
  });

  it("binds a URL to the checksum it was signed for", async () => {
    const { cache } = cacheWithClock();
    await cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    expect(cache.usable(1, "a")).toBeDefined();
    expect(cache.usable(1, "other")).toBeUndefined();
    expect(cache.isCovered(1, "other")).toBe(false);
  });

  it("stops handing out a URL within the refresh margin of its expiry", async () => {
    const { cache, advance } = cacheWithClock(600_000, 60_000);
    await cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    advance(539_000);
    expect(cache.usable(1, "a")).toBeDefined();
    advance(2_000);
    expect(cache.usable(1, "a")).toBeUndefined();
  });

  it("uses half the lifetime as the margin for URLs shorter-lived than twice the margin", async () => {
    const { cache, advance } = cacheWithClock(30_000, 60_000);
    await cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    expect(cache.usable(1, "a")).toBeDefined();
    advance(14_000);
    expect(cache.usable(1, "a")).toBeDefined();
    advance(2_000);
    expect(cache.usable(1, "a")).toBeUndefined();
  });

  it("forgets an invalidated URL", async () => {
    const { cache } = cacheWithClock();
    await cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    cache.invalidate(1);
    expect(cache.isCovered(1, "a")).toBe(false);
  });

  it("rejects when the server leaves a part out, and lets it be signed again", async () => {
    const { cache, answerWith } = cacheWithClock();
    answerWith(() => []);
    const signing = cache.signBatch([{ partNumber: 3, checksum: "c" }]);
    const pending = cache.pending(3, "c")!;
    await expect(signing).rejects.toBeInstanceOf(UploadError);
    await expect(pending).rejects.toThrow(/no upload URL for part 3/);
    expect(cache.isCovered(3, "c")).toBe(false);
  });

  it("counts a URL's lifetime from when the call was made, on this page's clock", async () => {
    // The call takes 20 s to answer; the lifetime is counted from the request, never later.
    let now = 5_000_000;
    let answer!: (urls: SignedPartUrl[]) => void;
    const cache = new PartUrlCache(() => new Promise((resolve) => (answer = resolve)), () => now, 60_000);
    const signing = cache.signBatch([{ partNumber: 1, checksum: "a" }]);
    now += 20_000;
    answer([{ partNumber: 1, url: "u1", expiresInMs: 600_000 }]);
    await signing;
    now += 519_000;
    expect(cache.usable(1, "a")).toBeDefined();
    now += 2_000;
    expect(cache.usable(1, "a")).toBeUndefined();
  });

  it("rejects a URL the server says has already expired instead of signing it again forever", async () => {
    const { cache, answerWith } = cacheWithClock();
    answerWith((needs) => needs.map(({ partNumber }) => ({ partNumber, url: "u", expiresInMs: 0 })));
    await expect(cache.signBatch([{ partNumber: 1, checksum: "a" }])).rejects.toThrow(/already expired/);
    expect(cache.isCovered(1, "a")).toBe(false);
  });

  it("rejects when the signing call fails, leaving nothing behind", async () => {
    const cache = new PartUrlCache(() => Promise.reject(new Error("offline")), () => 0, 1000);
    await expect(cache.signBatch([{ partNumber: 1, checksum: "a" }])).rejects.toThrow("offline");
    expect(cache.isCovered(1, "a")).toBe(false);
  });

  it("keeps URLs another call signed (prepareUpload's) for their checksums, counting expiry from that call", () => {
    const { cache, calls, advance } = cacheWithClock();
    const requestedAt = 1_000_000;
    advance(10_000);
    cache.store(
      [
        { partNumber: 1, checksum: "a" },
        { partNumber: 2, checksum: "b" },
        { partNumber: 3, checksum: "c" },
      ],
      requestedAt,
      [
        { partNumber: 1, url: "p1", expiresInMs: 600_000 },
        { partNumber: 2, url: "p2", expiresInMs: 0 },
      ],
    );
    expect(cache.usable(1, "a")?.url).toBe("p1");
    expect(cache.usable(1, "other")).toBeUndefined();
    // Born expired, or left out: signed again when needed.
    expect(cache.isCovered(2, "b")).toBe(false);
    expect(cache.isCovered(3, "c")).toBe(false);
    advance(600_000 - 10_000 - 60_000);
    expect(cache.usable(1, "a")).toBeUndefined();
    expect(calls).toHaveLength(0);
  });
});
