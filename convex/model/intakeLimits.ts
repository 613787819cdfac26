/**
 * The two limits on starting jobs, so that nobody can make the deployment flood YouTube or its
 * own tables:
 * - per user, `JOBS_PER_USER_PER_HOUR` new jobs in any hour; the next one is refused with
 *   `rate_limited` and the time until one is allowed (guests are free to make, so this alone
 *   bounds a script in one tab, not a crowd);
 * - per deployment, `OEMBED_LOOKUPS_PER_MINUTE` oEmbed lookups in each clock minute; a job
 *   beyond it is not refused but moves on at once with the metadata its id gives, as when
 *   YouTube cannot be asked.
 */
import type { MutationCtx } from "../_generated/server";
import { functionEnv } from "./functionEnv";
import type { Id } from "../_generated/dataModel";
import { appError } from "../lib/appErrors";
import { wholeSetting } from "../lib/settingNumbers";

export const INTAKE_LIMIT_DEFAULTS = {
  jobsPerUserPerHour: 30,
  oEmbedLookupsPerMinute: 60,
} as const;

const HOUR_MS = 60 * 60_000;
const MINUTE_MS = 60_000;
/**
 * The `rate_limit_windows` rows that count this minute's oEmbed lookups: `oembed_lookups/0` to
 * `oembed_lookups/7`, each holding its share of the budget.
 */
const OEMBED_LOOKUPS = "oembed_lookups";
/**
 * Every new job takes a lookup, so one counter row would be written by every intake of a burst,
 * and Convex's optimistic concurrency makes concurrent writers of one document conflict and retry
 * (and fail after a few). Each job starts at a random row instead and moves to the next only when
 * that one's share is used up, so jobs arriving together write different rows. Hand-made rather
 * than `@convex-dev/rate-limiter`, which shards the same way: it is a Convex component, and
 * components need `convex.config.ts` and component codegen, which needs a deployment — the
 * project generates `_generated/` offline (`npm run codegen`).
 */
export const OEMBED_BUDGET_SHARDS = 8;

export function jobsPerUserPerHour(): number {
  return wholeSetting(functionEnv().JOBS_PER_USER_PER_HOUR, INTAKE_LIMIT_DEFAULTS.jobsPerUserPerHour);
}

export function oEmbedLookupsPerMinute(): number {
  return wholeSetting(functionEnv().OEMBED_LOOKUPS_PER_MINUTE, INTAKE_LIMIT_DEFAULTS.oEmbedLookupsPerMinute);
}

/**
 * Throws `rate_limited` (with `retryAfterMs`) when the user started `jobsPerUserPerHour()` jobs
 * in the last hour. Reads at most that many of the user's newest jobs.
 */
export async function requireJobCreationAllowed(ctx: MutationCtx, ownerId: Id<"users">): Promise<void> {
  const limit = jobsPerUserPerHour();
  const now = Date.now();
  const recent = await ctx.db
    .query("video_jobs")
    .withIndex("by_owner", (q) => q.eq("ownerId", ownerId).gt("_creationTime", now - HOUR_MS))
    .order("desc")
    .take(limit);
  if (recent.length < limit) return;
  const retryAfterMs = Math.max(1000, Math.ceil(recent[limit - 1]!._creationTime + HOUR_MS - now));
  throw appError(
    "rate_limited",
    `You have started ${limit} videos in the last hour. You can start another ${inMinutes(retryAfterMs)}.`,
    { retryAfterMs },
  );
}

function inMinutes(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE_MS);
  return minutes === 1 ? "in a minute" : `in ${minutes} minutes`;
}

/**
 * Takes one of this minute's oEmbed lookups; false when they are all taken. Row `i` holds
 * `budget / OEMBED_BUDGET_SHARDS` of them (the first `budget % OEMBED_BUDGET_SHARDS` rows one
 * more), so the rows together grant exactly the budget. `random` picks the first row to try.
 */
export async function takeOEmbedLookup(ctx: MutationCtx, random: () => number = Math.random): Promise<boolean> {
  const budget = oEmbedLookupsPerMinute();
  const windowStart = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const first = Math.floor(random() * OEMBED_BUDGET_SHARDS) % OEMBED_BUDGET_SHARDS;
  for (let step = 0; step < OEMBED_BUDGET_SHARDS; step++) {
    const shard = (first + step) % OEMBED_BUDGET_SHARDS;
    const share = Math.floor(budget / OEMBED_BUDGET_SHARDS) + (shard < budget % OEMBED_BUDGET_SHARDS ? 1 : 0);
    if (await takeFromShard(ctx, `${OEMBED_LOOKUPS}/${shard}`, windowStart, share)) return true;
  }
  return false;
}

/** Counts one more on the row `name` unless this window already counted `share` there. */
async function takeFromShard(ctx: MutationCtx, name: string, windowStart: number, share: number): Promise<boolean> {
  if (share === 0) return false;
  const counter = await ctx.db
    .query("rate_limit_windows")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (counter === null) {
    await ctx.db.insert("rate_limit_windows", { name, windowStart, count: 1 });
    return true;
  }
  if (counter.windowStart < windowStart) {
    await ctx.db.patch("rate_limit_windows", counter._id, { windowStart, count: 1 });
    return true;
  }
  if (counter.count >= share) return false;
  await ctx.db.patch("rate_limit_windows", counter._id, { count: counter.count + 1 });
  return true;
}
