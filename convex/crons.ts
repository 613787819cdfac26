import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Abandonment is measured in hours, so a check every half hour is prompt enough.
crons.interval("fail abandoned uploads", { minutes: 30 }, internal.uploadJanitor.failAbandonedUploads, {});

// A lost worker's job waits at most a lease plus this interval before it is requeued.
crons.interval("requeue expired worker leases", { minutes: 1 }, internal.workerQueue.sweepExpiredLeases, {});

export default crons;
