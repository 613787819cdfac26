/**
 * A guest's upload through the real upload engine, in Node: what the job page does, with the
 * browser's pieces swapped only where Node has none. Intake (`jobs.createJobFromYouTubeUrl`),
 * the metadata lookup awaited through a live subscription, the rights confirmation, then
 * `src/lib/upload/core`'s `createUpload` with the real Convex adapter (`createConvexUploadBackend`
 * over the caller's `ConvexClient`, a WebSocket as the page's `ConvexReactClient`), the real
 * CRC32C checksums (`Crc32cPartChecksums`), and `FetchPartTransport`, which makes the XHR
 * transport's PUTs with `fetch`.
 */
import type { ConvexClient } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { JobStatus } from "../../../convex/lib/jobStatus";
import { RIGHTS_STATEMENT } from "../../../convex/lib/rightsStatement";
import { Crc32cPartChecksums } from "../../../src/lib/upload/checksums/crc32cPartChecksums";
import { createConvexUploadBackend, type ConvexUploadClient } from "../../../src/lib/upload/convex/convexUploadBackend";
import { createUpload, type UploadableFile, type UploadSnapshot } from "../../../src/lib/upload/core/resumableUpload";
import { FetchPartTransport } from "../../../src/lib/upload/testing/fetchPartTransport";
import { ManualNetworkStatus } from "../../../src/lib/upload/testing/manualNetworkStatus";

/** Resolves with the job's status once `jobs.get`, watched live, shows one of `wanted`. */
export function untilStatus(
  client: ConvexClient,
  jobId: Id<"video_jobs">,
  wanted: readonly JobStatus[],
  timeoutMs = 60_000,
): Promise<JobStatus> {
  return new Promise((resolve, reject) => {
    let last: JobStatus | "missing" | "nothing yet" = "nothing yet";
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`Job ${jobId} stayed ${last}, wanted ${wanted.join("/")}`));
    }, timeoutMs);
    const stop = client.onUpdate(
      api.jobs.get,
      { jobId },
      (job) => {
        last = job?.status ?? "missing";
        if (job && wanted.includes(job.status)) {
          clearTimeout(timer);
          stop();
          resolve(job.status);
        }
      },
      (error) => {
        clearTimeout(timer);
        stop();
        reject(error);
      },
    );
  });
}

/** A new job for `youtubeUrl`, as the home page's form creates it. */
export async function createJob(client: ConvexClient, youtubeUrl = "https://youtu.be/dQw4w9WgXcQ"): Promise<Id<"video_jobs">> {
  const { jobId } = await client.mutation(api.jobs.createJobFromYouTubeUrl, { url: youtubeUrl });
  return jobId;
}

export type EngineUpload = {
  /** The engine's last snapshot (`done` once the server completed the upload). */
  snapshot: UploadSnapshot;
  transport: FetchPartTransport;
};

/**
 * Waits for the job's metadata, confirms the rights and uploads `file` with the engine; resolves
 * once the server completed the upload (the job is UPLOADED), rejects with the engine's
 * `UploadError` otherwise.
 */
export async function confirmAndUpload(client: ConvexClient, jobId: Id<"video_jobs">, file: UploadableFile): Promise<EngineUpload> {
  await untilStatus(client, jobId, ["META_READY"]);
  await client.mutation(api.jobs.confirmRights, { jobId, statementVersion: RIGHTS_STATEMENT.version });
  const transport = new FetchPartTransport();
  const engine = createUpload(file, jobId, {
    // ConvexClient has the three calls the adapter makes, with the same arguments.
    backend: createConvexUploadBackend(client as unknown as ConvexUploadClient),
    transport,
    checksums: new Crc32cPartChecksums(),
    networkStatus: new ManualNetworkStatus(),
  });
  await engine.start();
  return { snapshot: engine.getSnapshot(), transport };
}
