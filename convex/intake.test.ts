/**
 * The YouTube intake end to end: the public mutation, the scheduled metadata action and the
 * mutations it calls, against a mocked YouTube (undici's MockAgent as the global dispatcher,
 * which is what `fetchOEmbed` uses when given none). Real sockets and real timeouts are
 * covered in `model/oembed.test.ts`.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { errors, getGlobalDispatcher, MockAgent, setGlobalDispatcher, type Dispatcher } from "undici";
import { api, internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { errorOf } from "./testing/uploadFixtures.testing";
import { failJob } from "./model/jobTransitions";
import { makeFailure } from "./lib/failures";
import { YOUTUBE_URL_ERRORS } from "./lib/youtube";
import { STALLED_LOOKUP_MS } from "./sourceMeta";
import { INTAKE_LIMIT_DEFAULTS } from "./model/intakeLimits";

const ID = "dQw4w9WgXcQ";
const PASTED_URL = `https://youtu.be/${ID}?si=AbCdEfGh12345678`;
const CANONICAL_URL = `https://www.youtube.com/watch?v=${ID}`;
const OEMBED_PATH = `/oembed?url=${encodeURIComponent(CANONICAL_URL)}&format=json`;
const JSON_HEADERS = { headers: { "content-type": "application/json" } };

const YOUTUBE_ANSWER = {
  title: "Rick Astley - Never Gonna Give You Up (Official Video) (4K Remaster)",
  author_name: "Rick Astley",
  author_url: "https://www.youtube.com/@RickAstleyYT",
  type: "video",
  version: "1.0",
  provider_name: "YouTube",
  thumbnail_url: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`,
  html: "<iframe></iframe>",
};

const OEMBED_META = {
  title: YOUTUBE_ANSWER.title,
  authorName: "Rick Astley",
  authorUrl: "https://www.youtube.com/@RickAstleyYT",
  thumbnailUrl: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`,
  source: "oembed",
} as const;

const DERIVED_META = { thumbnailUrl: `https://i.ytimg.com/vi/${ID}/hqdefault.jpg`, source: "derived" } as const;

let youtube: MockAgent;
let previousDispatcher: Dispatcher;
let oEmbedRequests: number;

beforeEach(() => {
  // Fake timers let finishAllScheduledFunctions fire the scheduled action and skip the
  // retry back-off; MockAgent answers without any timer of its own.
  vi.useFakeTimers();
  vi.stubEnv("OEMBED_ENDPOINT", undefined);
  vi.spyOn(console, "warn").mockImplementation(() => {});
  youtube = new MockAgent();
  youtube.disableNetConnect();
  oEmbedRequests = 0;
  previousDispatcher = getGlobalDispatcher();
  setGlobalDispatcher(
    youtube.compose((dispatch) => (options, handler) => {
      oEmbedRequests += 1;
      return dispatch(options, handler);
    }),
  );
});

afterEach(async () => {
  setGlobalDispatcher(previousDispatcher);
  await youtube.close();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

function oEmbedRoute() {
  return youtube.get("https://www.youtube.com").intercept({ path: OEMBED_PATH, method: "GET" });
}

function answerWithStatus(status: number, times: number) {
  oEmbedRoute().reply(status, `<html><body>${status}</body></html>`, { headers: { "content-type": "text/html" } }).times(times);
}

async function eventsOf(t: ConvexTestHarness, jobId: Id<"video_jobs">) {
  const events = await t.run((ctx) =>
    ctx.db.query("job_events").withIndex("by_job", (q) => q.eq("jobId", jobId)).collect(),
  );
  return events.map(({ from, to, actor, detail }) => ({ from, to, actor, detail }));
}

/** Paste a link as a signed-in user and let the scheduled metadata action run to the end. */
async function pasteLinkAndFetchMeta(url = PASTED_URL) {
  const t = newConvexTest();
  const { as } = await signInAsNewUser(t);
  const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const job = (await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!;
  return { t, jobId, job, events: await eventsOf(t, jobId) };
}

const CREATED_EVENT = { from: null, to: "CREATED", actor: "user", detail: undefined };

type Outcome =
  | { status: "META_READY"; sourceMeta: Doc<"video_jobs">["sourceMeta"]; detail: "oembed" | "derived" }
  | { status: "FAILED"; failure: Doc<"video_jobs">["failure"]; detail: string };

const META_FROM_OEMBED: Outcome = { status: "META_READY", sourceMeta: OEMBED_META, detail: "oembed" };
const META_DERIVED: Outcome = { status: "META_READY", sourceMeta: DERIVED_META, detail: "derived" };
const VIDEO_NOT_FOUND: Outcome = {
  status: "FAILED",
  failure: makeFailure("video_not_found"),
  detail: "video_not_found",
};

describe("pasting a link fetches the video's metadata", () => {
  test.each<[string, () => void, Outcome, number]>([
    ["200 → title, author and thumbnail from oEmbed", () => oEmbedRoute().reply(200, YOUTUBE_ANSWER, JSON_HEADERS), META_FROM_OEMBED, 1],
    ["400 → the video is not found", () => answerWithStatus(400, 1), VIDEO_NOT_FOUND, 1],
    ["404 → the video is not found", () => answerWithStatus(404, 1), VIDEO_NOT_FOUND, 1],
    ["401 (private) → derived metadata, no retry", () => answerWithStatus(401, 1), META_DERIVED, 1],
    ["403 (not embeddable) → derived metadata, no retry", () => answerWithStatus(403, 1), META_DERIVED, 1],
    ["429 every time → derived metadata after 3 attempts", () => answerWithStatus(429, 3), META_DERIVED, 3],
    ["500 every time → derived metadata after 3 attempts", () => answerWithStatus(500, 3), META_DERIVED, 3],
    [
      "500 once, then 200 → metadata from oEmbed on the retry",
      () => {
        answerWithStatus(500, 1);
        oEmbedRoute().reply(200, YOUTUBE_ANSWER, JSON_HEADERS);
      },
      META_FROM_OEMBED,
      2,
    ],
    [
      "headers time out every time → derived metadata after 3 attempts",
      () => oEmbedRoute().replyWithError(new errors.HeadersTimeoutError()).times(3),
      META_DERIVED,
      3,
    ],
    [
      "no network (DNS fails) → derived metadata after 3 attempts",
      () =>
        oEmbedRoute()
          .replyWithError(Object.assign(new Error("getaddrinfo ENOTFOUND www.youtube.com"), { code: "ENOTFOUND" }))
          .times(3),
      META_DERIVED,
      3,
    ],
    [
      "an HTML page instead of JSON → derived metadata, no retry",
      () => oEmbedRoute().reply(200, "<!doctype html><title>Before you continue</title>", { headers: { "content-type": "text/html" } }),
      META_DERIVED,
      1,
    ],
    [
      "an oversized body → derived metadata, no retry",
      () => oEmbedRoute().reply(200, { ...YOUTUBE_ANSWER, html: "x".repeat(100_000) }, JSON_HEADERS),
      META_DERIVED,
      1,
    ],
    [
      "a title with markup and control characters → stored as clean plain text",
      () =>
        oEmbedRoute().reply(
          200,
          { ...YOUTUBE_ANSWER, title: "<script>alert(1)</script>\u0000\u202E Never\n\tGonna\u0007 Give" },
          JSON_HEADERS,
        ),
      { ...META_FROM_OEMBED, sourceMeta: { ...OEMBED_META, title: "<script>alert(1)</script> Never Gonna Give" } },
      1,
    ],
  ])("%s", async (_name, arrangeYouTube, outcome, requests) => {
    arrangeYouTube();
    const { job, events } = await pasteLinkAndFetchMeta();
    expect(job).toMatchObject({ status: outcome.status, videoId: ID, sourceUrl: CANONICAL_URL });
    if (outcome.status === "META_READY") {
      expect(job.sourceMeta).toEqual(outcome.sourceMeta);
      expect(job.failure).toBeUndefined();
    } else {
      expect(job.failure).toEqual(outcome.failure);
      expect(job.sourceMeta).toBeUndefined();
    }
    expect(events).toEqual([
      CREATED_EVENT,
      { from: "CREATED", to: outcome.status, actor: "system", detail: outcome.detail },
    ]);
    expect(oEmbedRequests).toBe(requests);
    youtube.assertNoPendingInterceptors();
  });

  test("when YouTube cannot be asked, the log says why", async () => {
    answerWithStatus(403, 1);
    await pasteLinkAndFetchMeta();
    expect(console.warn).toHaveBeenCalledWith(
      `oEmbed unavailable for ${ID} after 1 attempt(s): forbidden (HTTP 403); using metadata derived from the id.`,
    );
  });
});

describe("a lookup that cannot even start", () => {
  test("an OEMBED_ENDPOINT that is not a URL still moves the job on, with derived metadata, and says why", async () => {
    vi.stubEnv("OEMBED_ENDPOINT", "not a url");
    const errorLog = vi.spyOn(console, "error").mockImplementation(() => {});
    const { job, events } = await pasteLinkAndFetchMeta();
    expect(job.status).toBe("META_READY");
    expect(job.sourceMeta).toEqual(DERIVED_META);
    expect(events).toEqual([CREATED_EVENT, { from: "CREATED", to: "META_READY", actor: "system", detail: "derived" }]);
    expect(oEmbedRequests).toBe(0);
    expect(errorLog).toHaveBeenCalledWith(expect.stringMatching(/^oEmbed lookup for dQw4w9WgXcQ failed: .*invalid url.*; using metadata derived from the id\.$/i));
  });
});

describe("a late metadata answer does not touch a job that moved on", () => {
  test("a job canceled before YouTube answered stays canceled", async () => {
    oEmbedRoute().reply(200, YOUTUBE_ANSWER, JSON_HEADERS);
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL });
    await t.run(async (ctx) => {
      const job = (await ctx.db.get("video_jobs", jobId))!;
      await failJob(ctx, job, makeFailure("canceled"), "user");
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const job = (await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!;
    expect(job.status).toBe("FAILED");
    expect(job.failure).toEqual(makeFailure("canceled"));
    expect(job.sourceMeta).toBeUndefined();
    expect(await eventsOf(t, jobId)).toEqual([
      CREATED_EVENT,
      { from: "CREATED", to: "FAILED", actor: "user", detail: "canceled" },
    ]);
    expect(oEmbedRequests).toBe(1);
  });

  test("both mutations are no-ops on a job that is no longer CREATED or no longer exists", async () => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL });
    await t.mutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: DERIVED_META });
    const metaReady = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(metaReady).toMatchObject({ status: "META_READY", sourceMeta: DERIVED_META });

    await t.mutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: OEMBED_META });
    await t.mutation(internal.sourceMeta.recordVideoNotFound, { jobId });
    expect(await t.run((ctx) => ctx.db.get("video_jobs", jobId))).toEqual(metaReady);
    expect(await eventsOf(t, jobId)).toEqual([
      CREATED_EVENT,
      { from: "CREATED", to: "META_READY", actor: "system", detail: "derived" },
    ]);

    await t.run((ctx) => ctx.db.delete("video_jobs", jobId));
    await expect(t.mutation(internal.sourceMeta.recordSourceMeta, { jobId, sourceMeta: OEMBED_META })).resolves.toBeNull();
    await expect(t.mutation(internal.sourceMeta.recordVideoNotFound, { jobId })).resolves.toBeNull();
  });
});

describe("a lookup that never wrote anything", () => {
  test("leaves the job CREATED only until the sweep gives it derived metadata", async () => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL });
    // The scheduled lookup is lost (a deploy while it ran): it never runs here.
    await t.run(async (ctx) => {
      for (const scheduled of await ctx.db.system.query("_scheduled_functions").collect()) await ctx.scheduler.cancel(scheduled._id);
    });
    vi.advanceTimersByTime(STALLED_LOOKUP_MS - 1000);
    expect(await t.mutation(internal.sourceMeta.finishStalledLookups, {})).toBe(0);
    expect((await as.query(api.jobs.get, { jobId }))?.status).toBe("CREATED");
    vi.advanceTimersByTime(2000);
    expect(await t.mutation(internal.sourceMeta.finishStalledLookups, {})).toBe(1);
    expect(await as.query(api.jobs.get, { jobId })).toMatchObject({ status: "META_READY", sourceMeta: DERIVED_META });
    const timeline = await as.query(api.jobs.timeline, { jobId });
    expect(timeline?.at(-1)).toMatchObject({ from: "CREATED", to: "META_READY", actor: "system", detail: "derived (the lookup did not finish)" });
    expect(oEmbedRequests).toBe(0);
  });
});

describe("the deployment's oEmbed lookups per minute", () => {
  test("beyond OEMBED_LOOKUPS_PER_MINUTE a new job is not refused: it moves on at once with derived metadata", async () => {
    vi.stubEnv("OEMBED_LOOKUPS_PER_MINUTE", "2");
    vi.setSystemTime(new Date("2026-11-30T10:00:05Z"));
    oEmbedRoute().reply(200, YOUTUBE_ANSWER, JSON_HEADERS).times(3);
    const t = newConvexTest();
    // Three users: the budget is the deployment's, not a user's.
    const users = [await signInAsNewUser(t), await signInAsNewUser(t), await signInAsNewUser(t)];
    const jobIds = [];
    for (const { as } of users) jobIds.push((await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL })).jobId);

    const third = await users[2]!.as.query(api.jobs.get, { jobId: jobIds[2]! });
    expect(third).toMatchObject({ status: "META_READY", sourceMeta: DERIVED_META });
    expect(await eventsOf(t, jobIds[2]!)).toEqual([
      CREATED_EVENT,
      { from: "CREATED", to: "META_READY", actor: "system", detail: "derived (too many lookups this minute)" },
    ]);
    expect(console.warn).toHaveBeenCalledWith(
      `This minute's 2 oEmbed lookups are taken; job ${jobIds[2]} uses metadata derived from the id.`,
    );
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(oEmbedRequests).toBe(2);
    for (const [i, jobId] of jobIds.slice(0, 2).entries()) {
      expect(await users[i]!.as.query(api.jobs.get, { jobId })).toMatchObject({ status: "META_READY", sourceMeta: OEMBED_META });
    }

    // The next clock minute has a fresh budget.
    vi.setSystemTime(new Date("2026-11-30T10:01:00Z"));
    const { jobId } = await users[2]!.as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL });
    expect((await users[2]!.as.query(api.jobs.get, { jobId }))?.status).toBe("CREATED");
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(oEmbedRequests).toBe(3);
    expect(await users[2]!.as.query(api.jobs.get, { jobId })).toMatchObject({ status: "META_READY", sourceMeta: OEMBED_META });
    youtube.assertNoPendingInterceptors();
  });

  test(`by default ${INTAKE_LIMIT_DEFAULTS.oEmbedLookupsPerMinute} lookups a minute`, async () => {
    vi.setSystemTime(new Date("2026-11-30T10:00:00Z"));
    const t = newConvexTest();
    const users = await Promise.all(Array.from({ length: 3 }, () => signInAsNewUser(t)));
    const statuses = [];
    for (let i = 0; i <= INTAKE_LIMIT_DEFAULTS.oEmbedLookupsPerMinute; i++) {
      const { as } = users[i % users.length]!;
      const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL });
      statuses.push((await as.query(api.jobs.get, { jobId }))?.status);
    }
    expect(statuses.filter((status) => status === "CREATED")).toHaveLength(INTAKE_LIMIT_DEFAULTS.oEmbedLookupsPerMinute);
    expect(statuses.at(-1)).toBe("META_READY");
  });
});

describe("links that are refused", () => {
  test("an invalid URL is refused with invalid_url and the reason, and creates nothing", async () => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    expect(
      await errorOf(as.mutation(api.jobs.createJobFromYouTubeUrl, { url: `https://youtube.com.evil.com/watch?v=${ID}` })),
    ).toEqual({ code: "invalid_url", message: YOUTUBE_URL_ERRORS.notYouTube });
    expect(
      await errorOf(as.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://www.youtube.com/@RickAstleyYT" })),
    ).toEqual({ code: "invalid_url", message: YOUTUBE_URL_ERRORS.noVideo });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run((ctx) => ctx.db.query("video_jobs").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("job_events").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect())).toEqual([]);
    expect(oEmbedRequests).toBe(0);
  });

  test("a caller who is not signed in is refused with unauthenticated", async () => {
    const t = newConvexTest();
    expect(await errorOf(t.mutation(api.jobs.createJobFromYouTubeUrl, { url: PASTED_URL }))).toMatchObject({
      code: "unauthenticated",
    });
    expect(await t.run((ctx) => ctx.db.query("video_jobs").collect())).toEqual([]);
  });
});
