/**
 * Validators of tasks (`lib/taskStatus.ts`) and clip requests (`lib/clipFrames.ts`): the schema,
 * the functions and the worker's contract derive from these. Pure.
 */
import { v, type Infer } from "convex/values";
import { literals } from "convex-helpers/validators";
import { CLIP_ASPECTS } from "./clipFrames";
import { CLIP_STATUSES, TASK_FAILURE_CODES, TASK_KINDS, TASK_STATUSES } from "./taskStatus";
import { eventActor } from "./validators";

export const taskKind = literals(...TASK_KINDS);
export const taskStatus = literals(...TASK_STATUSES);
export const clipStatus = literals(...CLIP_STATUSES);
export const clipAspect = literals(...CLIP_ASPECTS);

export const taskFailure = v.object({ code: literals(...TASK_FAILURE_CODES), message: v.string() });

/** What a clip task cuts; `index` is its artifacts' (`custom_clip/<index>`), numbered per job. */
export const clipSpec = v.object({ startSec: v.number(), endSec: v.number(), aspect: clipAspect });

/** A `task_events` row: the task's audit timeline, as `job_events` is the job's. */
export const taskEventFields = {
  taskId: v.id("tasks"),
  from: v.nullable(taskStatus),
  to: taskStatus,
  at: v.number(),
  actor: eventActor,
  detail: v.optional(v.string()),
};

/** What the owner sees of a clip: no claim, no storage key. */
export const clipView = v.object({
  _id: v.id("tasks"),
  _creationTime: v.number(),
  status: clipStatus,
  startSec: v.number(),
  endSec: v.number(),
  aspect: clipAspect,
  /** Its number on the page (and in its download's name), from 1. */
  number: v.number(),
  /** 0–100 while rendering. */
  progress: v.optional(v.number()),
  /** Once READY: its video in `artifacts.listForJob` (its poster is the same index's `custom_clip_poster`). */
  artifactId: v.optional(v.id("video_artifacts")),
  failure: v.optional(taskFailure),
});

export type ClipSpec = Infer<typeof clipSpec>;
export type ClipView = Infer<typeof clipView>;
