import { useQuery } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useArtifactUrls } from "./useArtifactUrls";

/**
 * A display URL for the job's poster (its first `poster` artifact), for a player of the job's
 * own video before it plays; undefined until there is one.
 */
export function useJobPosterUrl(jobId: Id<"video_jobs">): string | undefined {
  const artifacts = useQuery(api.artifacts.listForJob, { jobId });
  const poster = artifacts?.find((artifact) => artifact.kind === "poster" && artifact.index === 0);
  const { urls } = useArtifactUrls(poster ? [poster._id] : []);
  return poster && urls.get(poster._id)?.url;
}
