import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Abandonment is measured in hours, so a check every half hour is prompt enough.
crons.interval("fail abandoned uploads", { minutes: 30 }, internal.uploadJanitor.failAbandonedUploads, {});

// A new job's metadata lookup is one scheduled action, which Convex runs at most once: a job
// whose lookup never wrote anything moves on with derived metadata after `STALLED_LOOKUP_MS`.
crons.interval("finish stalled metadata lookups", { minutes: 1 }, internal.sourceMeta.finishStalledLookups, {});

// Every claim also releases expired leases (`claimNext`), of jobs and tasks alike, and a waiting local worker wakes
// when a lease runs out, so a crashed worker's job is usually back at its lease's end. This
// sweep is for when no worker asks: a lost job waits at most a lease plus this interval.
crons.interval("requeue expired worker leases", { minutes: 1 }, internal.workerQueue.sweepExpiredLeases, {});

// Sources are kept for days (`SOURCE_RETENTION_DAYS`), so an hourly sweep is prompt enough.
crons.interval("delete sources past retention", { hours: 1 }, internal.sourceRetention.deleteExpiredSources, {});

export default crons;
