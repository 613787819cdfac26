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
/** The `rate_limit_windows` row that counts this minute's oEmbed lookups. */
const OEMBED_LOOKUPS = "oembed_lookups";

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
 * Takes one of this minute's oEmbed lookups; false when they are all taken. One counter row for
 * the whole deployment: concurrent intakes conflict on it and Convex retries them, which is
 * cheap at the rates this limit allows.
 */
export async function takeOEmbedLookup(ctx: MutationCtx): Promise<boolean> {
  const windowStart = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const counter = await ctx.db
    .query("rate_limit_windows")
    .withIndex("by_name", (q) => q.eq("name", OEMBED_LOOKUPS))
    .unique();
  if (counter === null) {
    await ctx.db.insert("rate_limit_windows", { name: OEMBED_LOOKUPS, windowStart, count: 1 });
    return true;
  }
  if (counter.windowStart < windowStart) {
    await ctx.db.patch("rate_limit_windows", counter._id, { windowStart, count: 1 });
    return true;
  }
  if (counter.count >= oEmbedLookupsPerMinute()) return false;
  await ctx.db.patch("rate_limit_windows", counter._id, { count: counter.count + 1 });
  return true;
}
