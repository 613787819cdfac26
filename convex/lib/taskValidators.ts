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
export const clipSpec = v.object({
  startSec: v.number(),
  endSec: v.number(),
  aspect: clipAspect,
  /** The job's captions burned in (`requestClip` with `captions: true`). */
  captions: v.optional(v.boolean()),
});

/** What a READY captions task found: no speech is a result, not a failure. */
export const captionsResult = v.object({ speech: v.boolean(), language: v.optional(v.string()) });

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
  /** Captions burned in. */
  captions: v.optional(v.boolean()),
  /** Its number on the page (and in its download's name), from 1. */
  number: v.number(),
  /** 0–100 while rendering. */
  progress: v.optional(v.number()),
  /** Once READY: its video in `artifacts.listForJob` (its poster is the same index's `custom_clip_poster`). */
  artifactId: v.optional(v.id("video_artifacts")),
  failure: v.optional(taskFailure),
});

/** What the owner sees of a job's captions (`captions.forJob`). */
export const captionsView = v.object({
  taskId: v.id("tasks"),
  status: literals("QUEUED", "TRANSCRIBING", "READY", "FAILED"),
  /** 0–100 while transcribing. */
  progress: v.optional(v.number()),
  /** Once READY: whether any speech was found ("No speech found" when not) and its language. */
  speech: v.optional(v.boolean()),
  language: v.optional(v.string()),
  /** Once READY: the artifacts in `artifacts.listForJob`. */
  vttArtifactId: v.optional(v.id("video_artifacts")),
  transcriptArtifactId: v.optional(v.id("video_artifacts")),
  failure: v.optional(taskFailure),
  /** Whether `captions.retry` may be called now (FAILED, and retries left). */
  canRetry: v.boolean(),
});

export type ClipSpec = Infer<typeof clipSpec>;
export type CaptionsView = Infer<typeof captionsView>;
export type ClipView = Infer<typeof clipView>;
