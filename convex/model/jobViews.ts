import type { Doc } from "../_generated/dataModel";
import type { JobEventView, JobView } from "../lib/validators";

export function toJobView(job: Doc<"video_jobs">): JobView {
  return {
    _id: job._id,
    _creationTime: job._creationTime,
    status: job.status,
    sourceUrl: job.sourceUrl,
    videoId: job.videoId,
    sourceMeta: job.sourceMeta,
    rights: job.rights && {
      confirmedAt: job.rights.confirmedAt,
      statementVersion: job.rights.statementVersion,
    },
    upload: job.upload && {
      fileName: job.upload.fileName,
      fileSize: job.upload.fileSize,
      fileType: job.upload.fileType,
      partSize: job.upload.partSize,
      partCount: job.upload.partCount,
    },
    media: job.media,
    attempt: job.attempt,
    progress: job.progress,
    failure: job.failure,
    updatedAt: job.updatedAt,
  };
}

export function toJobEventView(event: Doc<"job_events">): JobEventView {
  return {
    from: event.from,
    to: event.to,
    at: event.at,
    actor: event.actor,
    ...(event.detail === undefined ? {} : { detail: event.detail }),
  };
}
