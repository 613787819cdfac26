/**
 * The only code that writes a task's `status`, as `jobTransitions.ts` is for jobs: every change
 * goes through `transitionTask`, which checks the edge against `lib/taskStatus.ts`, patches the
 * task and appends its `task_events` row in the same transaction.
 */
import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/appErrors";
import { canTransitionTask, type TaskFailure, type TaskStatus } from "../lib/taskStatus";
import type { EventActor } from "../lib/validators";

type TaskPatch = Partial<Omit<WithoutSystemFields<Doc<"tasks">>, "status" | "ownerId" | "jobId" | "kind">>;

export type NewTask = Pick<Doc<"tasks">, "kind" | "jobId" | "ownerId" | "index" | "key" | "clip">;

/** A QUEUED task, claimable at once, with its first event. */
export async function insertQueuedTask(ctx: MutationCtx, task: NewTask, actor: EventActor): Promise<Id<"tasks">> {
  const now = Date.now();
  const taskId = await ctx.db.insert("tasks", { ...task, status: "QUEUED", attempt: 0, notBefore: now, updatedAt: now });
  await ctx.db.insert("task_events", { taskId, from: null, to: "QUEUED", at: now, actor });
  return taskId;
}

export async function transitionTask(
  ctx: MutationCtx,
  task: Doc<"tasks">,
  to: TaskStatus,
  { actor, detail, patch = {} }: { actor: EventActor; detail?: string; patch?: TaskPatch },
): Promise<void> {
  if (!canTransitionTask(task.status, to)) {
    throw appError("invalid_transition", `A task that is ${task.status} cannot move to ${to}.`, { from: task.status, to });
  }
  const now = Date.now();
  await ctx.db.patch("tasks", task._id, { ...patch, status: to, updatedAt: now });
  await ctx.db.insert("task_events", {
    taskId: task._id,
    from: task.status,
    to,
    at: now,
    actor,
    ...(detail === undefined ? {} : { detail }),
  });
}

/** FAILED with its failure; clears any claim, progress and backoff. */
export async function failTask(ctx: MutationCtx, task: Doc<"tasks">, failure: TaskFailure, actor: EventActor): Promise<void> {
  await transitionTask(ctx, task, "FAILED", {
    actor,
    detail: failure.code,
    patch: { failure, claim: undefined, progress: undefined, notBefore: undefined },
  });
}
