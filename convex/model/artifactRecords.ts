/** Recording an artifact the worker uploaded: one row per (job, kind, index), so a retry writes it once. */
import type { Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { ARTIFACT_CONTENT_TYPES, artifactKey, type ArtifactKind } from "../lib/artifactKinds";
import type { artifactMeasurements } from "../lib/validators";

type Measurements = { [K in keyof typeof artifactMeasurements]?: Infer<(typeof artifactMeasurements)[K]> };
export type ReportedArtifact = { kind: ArtifactKind; index: number; bytes: number } & Measurements;

/** Upserts by (job, kind, index); the key and content type follow from those, never from the worker. */
export async function upsertArtifact(
  ctx: MutationCtx,
  jobId: Id<"video_jobs">,
  artifact: ReportedArtifact,
): Promise<Id<"video_artifacts">> {
  const row = {
    ...artifact,
    jobId,
    r2Key: artifactKey(jobId, artifact.kind, artifact.index),
    contentType: ARTIFACT_CONTENT_TYPES[artifact.kind],
  };
  const existing = await ctx.db
    .query("video_artifacts")
    .withIndex("by_job_kind_index", (q) => q.eq("jobId", jobId).eq("kind", artifact.kind).eq("index", artifact.index))
    .unique();
  if (existing !== null) {
    await ctx.db.replace("video_artifacts", existing._id, { ...row, createdAt: existing.createdAt });
    return existing._id;
  }
  return await ctx.db.insert("video_artifacts", { ...row, createdAt: Date.now() });
}
