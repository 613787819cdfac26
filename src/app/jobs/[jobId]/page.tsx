import { GuestSignIn } from "@/components/GuestSignIn";
import { JobNotFoundBoundary } from "./JobNotFoundBoundary";
import { JobScreen } from "./JobScreen";

export default async function JobPage({ params }: { params: Promise<{ jobId: string }> }) {
  const { jobId } = await params;
  return (
    <GuestSignIn>
      <JobNotFoundBoundary>
        <JobScreen jobId={jobId} />
      </JobNotFoundBoundary>
    </GuestSignIn>
  );
}
