import type { JobStatus } from "../../../convex/lib/jobStatus";
import type { SourceMeta } from "../../../convex/lib/validators";

/**
 * What a job is called on screen: the video's title once known. Without one, the lookup is
 * still running only while the job is CREATED; a job that left CREATED without details (the
 * video was not found, the job was canceled first) says so instead of "Looking up…" forever.
 */
export function jobTitle(status: JobStatus, meta: SourceMeta | undefined): string {
  if (meta?.title) return meta.title;
  if (meta) return "Title unavailable";
  return status === "CREATED" ? "Looking up the video…" : "Video details unavailable";
}
