import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { newConvexTest, signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { insertCreatedJob, transitionJob } from "./model/jobTransitions";
import { RIGHTS_STATEMENT } from "./lib/rightsStatement";
import { INTAKE_LIMIT_DEFAULTS } from "./model/intakeLimits";

const VIDEO_URL = "https://youtu.be/dQw4w9WgXcQ?si=abc";

async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string }>).data.code;
}

/** A job already at META_READY, without going through the network-bound metadata action. */
async function insertMetaReadyJob(t: ConvexTestHarness, ownerId: Id<"users">) {
  return t.run(async (ctx) => {
    const jobId = await insertCreatedJob(
      ctx,
      { ownerId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" },
      "user",
    );
    const job = (await ctx.db.get("video_jobs", jobId))!;
    await transitionJob(ctx, job, "META_READY", {
      actor: "system",
      patch: { sourceMeta: { thumbnailUrl: "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg", source: "derived" } },
    });
    return jobId;
  });
}

describe("createJobFromYouTubeUrl", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("creates a CREATED job owned by the caller, with the canonical URL", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL });
    const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(job).toMatchObject({
      ownerId: userId,
      status: "CREATED",
      videoId: "dQw4w9WgXcQ",
      sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    });
    const scheduled = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(scheduled.map((s) => s.name)).toEqual(["youtubeMetadata:fetchSourceMeta"]);
  });

  test("an invalid URL is refused with invalid_url and creates nothing", async () => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    for (const url of ["", "https://vimeo.com/123", "https://youtube.com.evil.com/watch?v=dQw4w9WgXcQ"]) {
      expect(await errorCodeOf(as.mutation(api.jobs.createJobFromYouTubeUrl, { url }))).toBe("invalid_url");
    }
    expect(await t.run((ctx) => ctx.db.query("video_jobs").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("job_events").collect())).toEqual([]);
  });
});

describe("how many jobs one user may start", () => {
  const HOUR_MS = 60 * 60_000;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-30T10:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  async function oldestJobCreationTime(t: ConvexTestHarness): Promise<number> {
    return (await t.run((ctx) => ctx.db.query("video_jobs").first()))!._creationTime;
  }

  async function rowCounts(t: ConvexTestHarness) {
    return t.run(async (ctx) => ({
      jobs: (await ctx.db.query("video_jobs").collect()).length,
      events: (await ctx.db.query("job_events").collect()).length,
      scheduled: (await ctx.db.system.query("_scheduled_functions").collect()).length,
    }));
  }

  test(`by default ${INTAKE_LIMIT_DEFAULTS.jobsPerUserPerHour} in any hour; the next is refused, says when, and creates nothing`, async () => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    const limit = INTAKE_LIMIT_DEFAULTS.jobsPerUserPerHour;
    for (let i = 0; i < limit; i++) {
      await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL });
      vi.advanceTimersByTime(60_000);
    }
    const before = await rowCounts(t);
    expect(before.jobs).toBe(limit);

    // The first job is `limit` minutes old: one is allowed again when it is an hour old.
    const firstCreatedAt = await oldestJobCreationTime(t);
    const error = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    const retryAfterMs = Math.ceil(firstCreatedAt + HOUR_MS - Date.now());
    expect(retryAfterMs).toBeGreaterThan((60 - limit - 1) * 60_000);
    expect((error as ConvexError<{ code: string }>).data).toEqual({
      code: "rate_limited",
      message: `You have started ${limit} videos in the last hour. You can start another in ${Math.ceil(retryAfterMs / 60_000)} minutes.`,
      retryAfterMs,
    });
    expect(await rowCounts(t)).toEqual(before);
  });

  test("counts per user, over a sliding hour, and honours JOBS_PER_USER_PER_HOUR", async () => {
    vi.stubEnv("JOBS_PER_USER_PER_HOUR", "2");
    const t = newConvexTest();
    const alice = await signInAsNewUser(t);
    const bob = await signInAsNewUser(t);
    const create = (as: typeof alice.as) => as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL });

    await create(alice.as);
    vi.advanceTimersByTime(10 * 60_000);
    await create(alice.as);
    expect(await errorCodeOf(create(alice.as))).toBe("rate_limited");
    // Bob has his own allowance, and a link that is not valid is still refused as such.
    await create(bob.as);
    expect(await errorCodeOf(alice.as.mutation(api.jobs.createJobFromYouTubeUrl, { url: "https://vimeo.com/1" }))).toBe(
      "invalid_url",
    );

    // One millisecond before Alice's first job is an hour old she is still refused, with a
    // wait rounded up to a second; then that job no longer counts, but her second one does.
    const firstCreatedAt = await oldestJobCreationTime(t);
    vi.setSystemTime(Math.ceil(firstCreatedAt + HOUR_MS) - 1);
    const error = await create(alice.as).catch((e: unknown) => e);
    expect((error as ConvexError<{ code: string; retryAfterMs: number; message: string }>).data).toMatchObject({
      code: "rate_limited",
      retryAfterMs: 1000,
      message: "You have started 2 videos in the last hour. You can start another in a minute.",
    });
    vi.advanceTimersByTime(1);
    await create(alice.as);
    expect(await errorCodeOf(create(alice.as))).toBe("rate_limited");
  });

  test("a canceled job still counts: canceling does not buy another lookup", async () => {
    vi.stubEnv("JOBS_PER_USER_PER_HOUR", "1");
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    const { jobId } = await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL });
    await as.mutation(api.jobs.cancel, { jobId });
    expect(await errorCodeOf(as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL }))).toBe("rate_limited");
  });

  test.each(["0", "-5", "many", ""])("an unusable JOBS_PER_USER_PER_HOUR (%j) keeps the default", async (value) => {
    vi.stubEnv("JOBS_PER_USER_PER_HOUR", value);
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    for (let i = 0; i < INTAKE_LIMIT_DEFAULTS.jobsPerUserPerHour; i++) {
      await as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL });
    }
    expect(await errorCodeOf(as.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL }))).toBe("rate_limited");
  });
});

describe("every public job function requires a signed-in user", () => {
  test.each([
    ["createJobFromYouTubeUrl", (t: ConvexTestHarness) => t.mutation(api.jobs.createJobFromYouTubeUrl, { url: VIDEO_URL })],
    ["rightsStatement", (t: ConvexTestHarness) => t.query(api.jobs.rightsStatement, {})],
    ["listMine", (t: ConvexTestHarness) => t.query(api.jobs.listMine, { paginationOpts: { numItems: 10, cursor: null } })],
  ])("%s", async (_name, call) => {
    const t = newConvexTest();
    expect(await errorCodeOf(call(t))).toBe("unauthenticated");
  });

  test("get, timeline and confirmRights", async () => {
    const t = newConvexTest();
    const { userId } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    expect(await errorCodeOf(t.query(api.jobs.get, { jobId }))).toBe("unauthenticated");
    expect(await errorCodeOf(t.query(api.jobs.timeline, { jobId }))).toBe("unauthenticated");
    expect(
      await errorCodeOf(t.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version })),
    ).toBe("unauthenticated");
  });
});

describe("reading jobs", () => {
  test("get returns the owner's view without claim tokens or storage keys", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    const view = await as.query(api.jobs.get, { jobId });
    expect(view).toMatchObject({ _id: jobId, status: "META_READY", videoId: "dQw4w9WgXcQ" });
    expect(view).not.toHaveProperty("ownerId");
    expect(view).not.toHaveProperty("claim");
    expect(view).not.toHaveProperty("r2SourceKey");
  });

  test("listMine pages newest first", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const ids: Id<"video_jobs">[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertMetaReadyJob(t, userId));
    const first = await as.query(api.jobs.listMine, { paginationOpts: { numItems: 3, cursor: null } });
    expect(first.page.map((j) => j._id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(first.isDone).toBe(false);
    const second = await as.query(api.jobs.listMine, {
      paginationOpts: { numItems: 3, cursor: first.continueCursor },
    });
    expect(second.page.map((j) => j._id)).toEqual([ids[1], ids[0]]);
  });

  test.each([
    ["a page size of 0", { numItems: 0, cursor: null }],
    ["a fractional page size", { numItems: 2.5, cursor: null }],
    ["a page size over 100", { numItems: 101, cursor: null }],
    ["a cursor it never handed out", { numItems: 3, cursor: "not-a-cursor" }],
  ])("listMine rejects %s with invalid_argument", async (_name, paginationOpts) => {
    const t = newConvexTest();
    const { as } = await signInAsNewUser(t);
    expect(await errorCodeOf(as.query(api.jobs.listMine, { paginationOpts }))).toBe("invalid_argument");
  });

  test("timeline lists every status change in order", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    const events = await as.query(api.jobs.timeline, { jobId });
    expect(events!.map((e) => [e.from, e.to])).toEqual([
      [null, "CREATED"],
      ["CREATED", "META_READY"],
    ]);
  });
});

describe("rights gate", () => {
  test("records who confirmed which statement, and when", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    const statement = await as.query(api.jobs.rightsStatement, {});
    expect(statement.text.length).toBeGreaterThan(20);
    await as.mutation(api.jobs.confirmRights, { jobId, statementVersion: statement.version });
    const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(job!.rights).toEqual({
      confirmedAt: expect.any(Number),
      confirmedBy: userId,
      statementVersion: statement.version,
    });
    expect(job!.status).toBe("META_READY");
  });

  test("an outdated statement version is refused", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    expect(await errorCodeOf(as.mutation(api.jobs.confirmRights, { jobId, statementVersion: "1999-01-01" }))).toBe(
      "stale_statement",
    );
    expect((await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!.rights).toBeUndefined();
  });

  test("only in META_READY", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await t.run((ctx) =>
      insertCreatedJob(ctx, { ownerId: userId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" }, "user"),
    );
    expect(
      await errorCodeOf(as.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version })),
    ).toBe("invalid_state");
  });
});

describe("another user cannot read, list, confirm or learn of a job", () => {
  test("the second user sees exactly what they would for a missing job", async () => {
    const t = newConvexTest();
    const owner = await signInAsNewUser(t);
    const intruder = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, owner.userId);

    // A job id that once existed and is now gone: the reference for "missing".
    const deletedId = await insertMetaReadyJob(t, owner.userId);
    await t.run((ctx) => ctx.db.delete("video_jobs", deletedId));

    expect(await intruder.as.query(api.jobs.get, { jobId })).toBeNull();
    expect(await intruder.as.query(api.jobs.get, { jobId: deletedId })).toBeNull();
    // The page's address may hold anything: not an id, or another table's id, reads as missing too.
    expect(await intruder.as.query(api.jobs.get, { jobId: "not-a-job" })).toBeNull();
    expect(await intruder.as.query(api.jobs.get, { jobId: intruder.userId })).toBeNull();
    expect(await owner.as.query(api.jobs.get, { jobId: owner.userId })).toBeNull();
    expect(await intruder.as.query(api.jobs.timeline, { jobId })).toBeNull();
    expect(await intruder.as.query(api.jobs.timeline, { jobId: deletedId })).toBeNull();
    const listed = await intruder.as.query(api.jobs.listMine, { paginationOpts: { numItems: 50, cursor: null } });
    expect(listed.page).toEqual([]);

    const confirmOther = await errorCodeOf(
      intruder.as.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version }),
    );
    const confirmMissing = await errorCodeOf(
      intruder.as.mutation(api.jobs.confirmRights, { jobId: deletedId, statementVersion: RIGHTS_STATEMENT.version }),
    );
    expect(confirmOther).toBe("not_found");
    expect(confirmMissing).toBe(confirmOther);

    const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(job!.rights).toBeUndefined();
    expect(await owner.as.query(api.jobs.get, { jobId })).not.toBeNull();
  });
});

describe("cancel", () => {
  test("fails a job with canceled at any non-terminal step, and a worker's heartbeat hears it", async () => {
    const t = newConvexTest();
    const { userId, as } = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, userId);
    await t.run((ctx) =>
      ctx.db.patch("video_jobs", jobId, {
        status: "PROCESSING",
        claim: { token: "tok", workerId: "w", leaseExpiresAt: Date.now() + 60_000 },
      }),
    );
    await as.mutation(api.jobs.cancel, { jobId });
    const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(job).toMatchObject({ status: "FAILED", failure: { code: "canceled", retryable: false } });
    expect(job!.claim).toBeUndefined();
    const beat = await t.mutation(internal.workerQueue.heartbeat, { jobId, claimToken: "tok", stage: "scan", pct: 50 });
    expect(beat).toEqual({ state: "canceled" });
    // Canceling again is harmless.
    await as.mutation(api.jobs.cancel, { jobId });
  });

  test("a finished job cannot be canceled, and another user's job reads as missing", async () => {
    const t = newConvexTest();
    const owner = await signInAsNewUser(t);
    const intruder = await signInAsNewUser(t);
    const jobId = await insertMetaReadyJob(t, owner.userId);
    expect(await errorCodeOf(intruder.as.mutation(api.jobs.cancel, { jobId }))).toBe("not_found");
    expect((await t.run((ctx) => ctx.db.get("video_jobs", jobId)))!.status).toBe("META_READY");
    await t.run((ctx) => ctx.db.patch("video_jobs", jobId, { status: "READY" }));
    expect(await errorCodeOf(owner.as.mutation(api.jobs.cancel, { jobId }))).toBe("invalid_state");
  });
});
