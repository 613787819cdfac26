"use client";

import type { Id } from "../../../convex/_generated/dataModel";
import { ClipList } from "./ClipList";
import { ClipMaker } from "./ClipMaker";

/** Clips on demand on a READY job's page: the maker, then the clips asked for (issue 20). */
export function ClipsSection({ jobId, media }: { jobId: Id<"video_jobs">; media: { durationSec: number; width: number; height: number } | undefined }) {
  if (media === undefined) return null;
  return (
    <>
      <ClipMaker jobId={jobId} media={media} />
      <ClipList jobId={jobId} />
    </>
  );
}
