import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { newConvexTest, signInAsNewUser } from "../testing/convexTest.testing";
import { JOB_STATUSES, canTransition, type JobStatus } from "../lib/jobStatus";
import { makeFailure } from "../lib/failures";
import { failJob, insertCreatedJob, transitionJob } from "./jobTransitions";

const ALL_PAIRS: Array<[JobStatus, JobStatus]> = JOB_STATUSES.flatMap((from) =>
  JOB_STATUSES.map((to): [JobStatus, JobStatus] => [from, to]),
);

async function jobInStatus(status: JobStatus) {
  const t = newConvexTest();
  const { userId } = await signInAsNewUser(t);
  const jobId = await t.run(async (ctx) => {
    const id = await insertCreatedJob(
      ctx,
      { ownerId: userId, sourceUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", videoId: "dQw4w9WgXcQ" },
      "user",
    );
    // Put the job straight into the state under test, as fixture data.
    await ctx.db.patch("video_jobs", id, { status });
    return id;
  });
  const eventCount = () =>
    t.run(async (ctx) => (await ctx.db.query("job_events").withIndex("by_job", (q) => q.eq("jobId", jobId)).collect()).length);
  return { t, jobId, eventCount };
}

describe("transitionJob over every (from, to) pair", () => {
  test.each(ALL_PAIRS)("%s -> %s", async (from, to) => {
    const { t, jobId, eventCount } = await jobInStatus(from);
    const eventsBefore = await eventCount();
    const attempt = t.run(async (ctx) => {
      const job = (await ctx.db.get("video_jobs", jobId))!;
      await transitionJob(ctx, job, to, { actor: "system", detail: "test" });
    });

    if (canTransition(from, to)) {
      await attempt;
      const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
      expect(job!.status).toBe(to);
      const events = await t.run((ctx) =>
        ctx.db.query("job_events").withIndex("by_job", (q) => q.eq("jobId", jobId)).collect(),
      );
      expect(events).toHaveLength(eventsBefore + 1);
      expect(events.at(-1)).toMatchObject({ from, to, actor: "system", detail: "test" });
    } else {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConvexError);
      expect((error as ConvexError<{ code: string }>).data.code).toBe("invalid_transition");
      const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
      expect(job!.status).toBe(from);
      expect(await eventCount()).toBe(eventsBefore);
    }
  });
});

describe("insertCreatedJob and failJob", () => {
  test("a new job starts CREATED with a creation event", async () => {
    const { t, jobId } = await jobInStatus("CREATED");
    const events = await t.run((ctx) => ctx.db.query("job_events").collect());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ jobId, from: null, to: "CREATED", actor: "user" });
  });

  test("failJob records a structured failure and clears the claim", async () => {
    const { t, jobId } = await jobInStatus("PROCESSING");
    await t.run(async (ctx) => {
      await ctx.db.patch("video_jobs", jobId, {
        claim: { token: "tok", workerId: "w1", leaseExpiresAt: Date.now() + 1000 },
      });
      const job = (await ctx.db.get("video_jobs", jobId))!;
      await failJob(ctx, job, makeFailure("not_a_video"), "worker");
    });
    const job = await t.run((ctx) => ctx.db.get("video_jobs", jobId));
    expect(job!.status).toBe("FAILED");
    expect(job!.failure).toEqual({ code: "not_a_video", message: expect.any(String), retryable: false });
    expect(job!.claim).toBeUndefined();
  });
});
