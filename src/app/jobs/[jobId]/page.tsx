import { GuestSignIn } from "@/components/GuestSignIn";
import { JobPageErrorBoundary } from "./JobPageErrorBoundary";
import { JobScreen } from "./JobScreen";

export default async function JobPage({ params }: { params: Promise<{ jobId: string }> }) {
  const { jobId } = await params;
  return (
    <GuestSignIn>
      <JobPageErrorBoundary>
        <JobScreen jobId={jobId} />
      </JobPageErrorBoundary>
    </GuestSignIn>
  );
}
