import { afterEach, describe, expect, test, vi } from "vitest";
import { newConvexTest, type ConvexTestHarness } from "../testing/convexTest.testing";
import { takeOEmbedLookup } from "./intakeLimits";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const MINUTE = 60_000;
const START = Date.UTC(2026, 11, 7, 12, 0, 0);

/** The counter rows' counts by row, so a test sees which row a call wrote. */
const counterRows = async (t: ConvexTestHarness) =>
  new Map(
    (await t.run((ctx) => ctx.db.query("rate_limit_windows").collect())).map((row) => [row._id as string, row.count]),
  );

/** A stream of draws from a fixed seed (a small LCG), so every run picks the same rows. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("the deployment-wide oEmbed budget", () => {
  test.each([1, 7, 60, 61])("grants exactly OEMBED_LOOKUPS_PER_MINUTE=%i lookups in a clock minute, whatever rows are drawn, and again the next minute", async (budget) => {
    vi.stubEnv("OEMBED_LOOKUPS_PER_MINUTE", String(budget));
    const t = newConvexTest();
    const now = vi.spyOn(Date, "now").mockReturnValue(START + 5_000);
    const random = seeded(budget);
    const take = () => t.run((ctx) => takeOEmbedLookup(ctx, random));
    const granted = async (calls: number) => {
      let count = 0;
      for (let i = 0; i < calls; i++) if (await take()) count++;
      return count;
    };
    expect(await granted(budget + 20)).toBe(budget);
    now.mockReturnValue(START + MINUTE - 1);
    expect(await take()).toBe(false);
    now.mockReturnValue(START + MINUTE);
    expect(await granted(budget + 20)).toBe(budget);
  });

  test("new jobs arriving together write different rows, so their transactions do not conflict", async () => {
    vi.stubEnv("OEMBED_LOOKUPS_PER_MINUTE", "60");
    const t = newConvexTest();
    vi.spyOn(Date, "now").mockReturnValue(START);
    const written: string[] = [];
    // Four intakes at once draw four different values, as four transactions' Math.random do.
    for (const draw of [0.05, 0.3, 0.55, 0.8]) {
      const before = await counterRows(t);
      expect(await t.run((ctx) => takeOEmbedLookup(ctx, () => draw))).toBe(true);
      const after = await counterRows(t);
      const changed = [...after].filter(([id, count]) => before.get(id) !== count).map(([id]) => id);
      expect(changed).toHaveLength(1);
      written.push(changed[0]!);
    }
    expect(new Set(written).size).toBe(4);
  });
});
