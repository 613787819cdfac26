/**
 * A claimed task's calls from the worker (heartbeat, artifacts, complete, fail), reached through
 * the worker API in `http.ts` like a job's (`workerQueue.ts`), with the same fencing: every call
 * names the task and its claim token, and a stale token is refused. A task writes only its own
 * artifacts: the kinds its kind makes, at its own index.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "./_generated/server";
import type { Doc } from "./_generated/dataModel";
import { appError } from "./lib/appErrors";
import type { ArtifactKind } from "./lib/artifactKinds";
import { makeTaskFailure, type TaskFailureCode, type TaskKind } from "./lib/taskStatus";
import { captionsResult } from "./lib/taskValidators";
import { TASK_WORKER_FAILURE_CODES } from "./lib/workerProtocol";
import { artifactKind, artifactMeasurements } from "./lib/validators";
import { upsertArtifact } from "./model/artifactRecords";
import { transitionTask, failTask } from "./model/taskTransitions";
import { handBack, releaseForRetry, requireActiveClaim } from "./model/workerClaims";
import { workerLeaseMs } from "./model/workerConfig";
import { taskQueue } from "./model/workQueues";
import { workerFailureCode } from "./workerQueue";

const tasks = taskQueue();

/** What each kind of task makes; the first is the one its `artifactId` names once READY. */
const TASK_ARTIFACTS: Readonly<Record<TaskKind, readonly ArtifactKind[]>> = {
  clip: ["custom_clip", "custom_clip_poster"],
  captions: ["captions_vtt", "transcript"],
};

export const heartbeat = internalMutation({
  args: { taskId: v.string(), claimToken: v.string(), stage: v.string(), pct: v.number() },
  returns: v.object({ state: v.literal("active"), leaseExpiresAt: v.number() }),
  handler: async (ctx, { taskId, claimToken, stage, pct }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    const now = Date.now();
    const leaseExpiresAt = now + workerLeaseMs();
    await ctx.db.patch("tasks", task._id, {
      claim: { ...task.claim!, leaseExpiresAt },
      progress: { stage: stage.slice(0, 40), pct: Math.min(100, Math.max(0, pct)), updatedAt: now },
      updatedAt: now,
    });
    return { state: "active" as const, leaseExpiresAt };
  },
});

/** The claim is still this worker's: the task's job (whose artifact keys it writes under), else `stale_claim`. */
export const verifyClaim = internalQuery({
  args: { taskId: v.string(), claimToken: v.string(), artifacts: v.array(v.object({ kind: artifactKind, index: v.number() })) },
  returns: v.id("video_jobs"),
  handler: async (ctx, { taskId, claimToken, artifacts }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    for (const artifact of artifacts) requireOwnArtifact(task, artifact);
    return task.jobId;
  },
});

export const recordArtifact = internalMutation({
  args: {
    taskId: v.string(),
    claimToken: v.string(),
    artifact: v.object({ kind: artifactKind, index: v.number(), bytes: v.number(), ...artifactMeasurements }),
  },
  returns: v.id("video_artifacts"),
  handler: async (ctx, { taskId, claimToken, artifact }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    requireOwnArtifact(task, artifact);
    return await upsertArtifact(ctx, task.jobId, artifact);
  },
});

/** READY, naming the artifact it made, which must have been recorded (else `invalid_argument`: a 400). */
export const completeTask = internalMutation({
  args: { taskId: v.string(), claimToken: v.string(), captions: v.optional(captionsResult) },
  returns: v.null(),
  handler: async (ctx, { taskId, claimToken, captions }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    // Every artifact of its kind: a captions task is READY with both its VTT and its transcript.
    const made: Array<Doc<"video_artifacts">> = [];
    for (const kind of TASK_ARTIFACTS[task.kind]) {
      const artifact = await ctx.db
        .query("video_artifacts")
        .withIndex("by_job_kind_index", (q) => q.eq("jobId", task.jobId).eq("kind", kind).eq("index", task.index))
        .unique();
      if (artifact === null && (task.kind === "captions" || made.length === 0)) {
        throw appError("invalid_argument", `The task has recorded no ${kind}.`);
      }
      if (artifact !== null) made.push(artifact);
    }
    if (task.kind === "captions" && captions === undefined) throw appError("invalid_argument", "A captions task says whether it found speech.");
    const now = Date.now();
    await transitionTask(ctx, task, "READY", {
      actor: "worker",
      patch: {
        claim: undefined,
        artifactId: made[0]!._id,
        progress: { stage: "done", pct: 100, updatedAt: now },
        ...(task.kind === "captions" ? { captions } : {}),
      },
    });
    return null;
  },
});

/**
 * As a job's `fail`: `interrupted` hands back, `processing_error` retries, a captions code
 * (`TASK_WORKER_FAILURE_CODES`) ends the task with that code, the rest as `render_failed`.
 */
export const failClaimedTask = internalMutation({
  args: { taskId: v.string(), claimToken: v.string(), code: workerFailureCode, message: v.string() },
  returns: v.union(v.literal("requeued"), v.literal("failed")),
  handler: async (ctx, { taskId, claimToken, code, message }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    const now = Date.now();
    if (code === "interrupted") return await handBack(ctx, tasks, task, now, "shutdown");
    if (code === "processing_error") return await releaseForRetry(ctx, tasks, task, { code }, "worker", now);
    const failure: TaskFailureCode = isTaskWorkerCode(code) ? code : task.kind === "captions" ? "audio_unreadable" : "render_failed";
    await failTask(ctx, task, makeTaskFailure(failure, message.slice(0, 500)), "worker");
    return "failed" as const;
  },
});

/** As `workerQueue.releaseUndeliveredClaim`, for a task. */
export const releaseUndeliveredClaim = internalMutation({
  args: { taskId: v.string(), claimToken: v.string() },
  returns: v.union(v.literal("requeued"), v.literal("failed")),
  handler: async (ctx, { taskId, claimToken }) => {
    const task = await requireActiveClaim(ctx, tasks, taskId, claimToken);
    return await handBack(ctx, tasks, task, Date.now(), "undelivered_claim");
  },
});

function requireOwnArtifact(task: Doc<"tasks">, artifact: { kind: ArtifactKind; index: number }): void {
  if (!TASK_ARTIFACTS[task.kind].includes(artifact.kind) || artifact.index !== task.index) {
    throw appError("invalid_argument", `A ${task.kind} task writes only its own artifacts.`);
  }
}

function isTaskWorkerCode(code: string): code is (typeof TASK_WORKER_FAILURE_CODES)[number] {
  return (TASK_WORKER_FAILURE_CODES as readonly string[]).includes(code);
}
