/**
 * Queue scale: N UPLOADED jobs drained by 4 workers whose processing is a no-op (claim, then
 * complete, through the real worker HTTP API of the local stack; no FFmpeg). Reports claims per
 * second and proves no job was claimed twice: every claim is collected, every job ends READY,
 * and each job's timeline has exactly one PROCESSING event.
 *
 *   tsx scripts/bench/queueScale.ts [--jobs 1000] [--workers 4] [--create-budget-s 300]
 */
import { api } from "../../convex/_generated/api";
import { createWorkerApiClient } from "../../modal/worker/workerApiClient";
import { startLocalStack } from "../../modal/worker/testing/localStack";
import { BENCH_FUNCTION_ENV, createUploadedJobs, numberArg, reportResult, round, runBounded } from "./benchSupport";

const JOBS = numberArg("jobs", 1000);
const WORKERS = numberArg("workers", 4);
const CREATE_BUDGET_MS = numberArg("create-budget-s", 300) * 1000;
const DRAIN_BUDGET_MS = 300_000;

type Claim = { jobId: string; workerId: string; claimToken: string };

async function main() {
  const stack = await startLocalStack(BENCH_FUNCTION_ENV);
  try {
    const createStarted = Date.now();
    const jobs = await createUploadedJobs(stack, { count: JOBS, concurrency: 16, budgetMs: CREATE_BUDGET_MS });
    const createSeconds = (Date.now() - createStarted) / 1000;
    console.log(`created ${jobs.length}/${JOBS} UPLOADED jobs in ${round(createSeconds, 1)} s (${round(jobs.length / createSeconds, 1)}/s)`);

    const api_ = createWorkerApiClient({ siteUrl: stack.endpoints.convexSiteUrl, secret: stack.endpoints.workerSecret });
    const claims: Claim[] = [];
    const deadline = Date.now() + DRAIN_BUDGET_MS;
    const drainStarted = Date.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const workerId = `bench-worker-${w}`;
        while (Date.now() < deadline) {
          const { job } = await api_.claim(workerId);
          if (job === null) return;
          claims.push({ jobId: job.jobId, workerId, claimToken: job.claimToken });
          await api_.complete({ jobId: job.jobId, claimToken: job.claimToken });
        }
      }),
    );
    const drainSeconds = (Date.now() - drainStarted) / 1000;

    const claimedIds = claims.map((claim) => claim.jobId);
    const duplicateClaims = claimedIds.length - new Set(claimedIds).size;
    const checks = await runBounded(jobs.length, 16, Date.now() + 120_000, async (i) => {
      const { jobId, guest } = jobs[i]!;
      const [job, timeline] = await Promise.all([
        guest.query(api.jobs.get, { jobId }),
        guest.query(api.jobs.timeline, { jobId }),
      ]);
      return {
        ready: job?.status === "READY",
        processingEvents: (timeline ?? []).filter((event) => event.to === "PROCESSING").length,
      };
    });
    const notReady = checks.filter((check) => !check.ready).length;
    const wrongProcessingCount = checks.filter((check) => check.processingEvents !== 1).length;
    const perWorker = Object.fromEntries(
      Array.from({ length: WORKERS }, (_, w) => [`bench-worker-${w}`, claims.filter((c) => c.workerId === `bench-worker-${w}`).length]),
    );
    const result = {
      jobsRequested: JOBS,
      jobsCreated: jobs.length,
      createSeconds: round(createSeconds, 1),
      workers: WORKERS,
      claims: claims.length,
      drainSeconds: round(drainSeconds, 2),
      claimsPerSecond: round(claims.length / drainSeconds, 1),
      duplicateClaims,
      jobsChecked: checks.length,
      notReady,
      jobsWithoutExactlyOneProcessingEvent: wrongProcessingCount,
      perWorker,
    };
    console.log(
      `${claims.length} claims by ${WORKERS} workers in ${result.drainSeconds} s: ${result.claimsPerSecond} claims/s; ` +
        `duplicate claims ${duplicateClaims}, not READY ${notReady}, jobs without exactly one PROCESSING event ${wrongProcessingCount}`,
    );
    reportResult("queueScale", result);
    if (duplicateClaims > 0 || notReady > 0 || wrongProcessingCount > 0 || claims.length !== jobs.length) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

await main();
