/**
 * For the Python test of `modal/app.py`: starts the local stack, uploads a test video as a
 * guest, and prints one JSON line `{ convexSiteUrl, workerSecret, jobId }`. Then each line
 * `status` on stdin is answered with `{ status }`; end of stdin stops the stack.
 */
import { createInterface } from "node:readline";
import { api } from "../../../convex/_generated/api";
import { createTestVideoLibrary } from "./generateTestVideos";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest } from "./localStack";

const stack = await startLocalStack();
const videos = await createTestVideoLibrary();
try {
  const guest = await signInAsGuest(stack.endpoints.convexUrl);
  const jobId = await uploadVideoAsGuest(guest, await videos.path("landscapeWithCuts"));
  const { convexSiteUrl, workerSecret } = stack.endpoints;
  process.stdout.write(`${JSON.stringify({ convexSiteUrl, workerSecret, jobId })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== "status") continue;
    const job = await guest.query(api.jobs.get, { jobId });
    const artifacts = await guest.query(api.artifacts.listForJob, { jobId });
    process.stdout.write(`${JSON.stringify({ status: job?.status ?? null, artifacts: artifacts?.length ?? 0 })}\n`);
  }
} finally {
  await videos.dispose();
  await stack.stop();
}
