/**
 * For the Python test of `modal/app.py`: starts the local stack, uploads a test video as a
 * guest (the one named by the first argument, default `landscapeWithCuts`), and prints one JSON
 * line `{ convexSiteUrl, workerSecret, jobId }`. Then each line `status` on stdin is answered
 * with `{ status, attempt, artifacts, lastEvent, captions }` (`lastEvent`: the newest timeline
 * entry's detail; `captions`: null or the captions task's status and, once READY, `speech`); end
 * of stdin stops the stack.
 */
import { createInterface } from "node:readline";
import { api } from "../../../convex/_generated/api";
import { createTestVideoLibrary, type TestVideoName } from "./generateTestVideos";
import { signInAsGuest, startLocalStack, uploadVideoAsGuest } from "./localStack";

const stack = await startLocalStack();
const videos = await createTestVideoLibrary();
try {
  const guest = await signInAsGuest(stack.endpoints.convexUrl);
  const videoName = (process.argv[2] ?? "landscapeWithCuts") as TestVideoName;
  const jobId = await uploadVideoAsGuest(guest, await videos.path(videoName));
  const { convexSiteUrl, workerSecret } = stack.endpoints;
  process.stdout.write(`${JSON.stringify({ convexSiteUrl, workerSecret, jobId })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== "status") continue;
    const job = await guest.query(api.jobs.get, { jobId });
    const artifacts = await guest.query(api.artifacts.listForJob, { jobId });
    const timeline = await guest.query(api.jobs.timeline, { jobId });
    const state = {
      status: job?.status ?? null,
      attempt: job?.attempt ?? null,
      artifacts: artifacts?.length ?? 0,
      lastEvent: timeline?.at(-1)?.detail ?? null,
      captions: captionsState(await guest.query(api.captions.forJob, { jobId })),
    };
    process.stdout.write(`${JSON.stringify(state)}\n`);
  }
} finally {
  await videos.dispose();
  await stack.stop();
}

function captionsState(view: { status: string; speech?: boolean } | null): { status: string; speech?: boolean } | null {
  return view === null ? null : { status: view.status, ...(view.speech === undefined ? {} : { speech: view.speech }) };
}
