import Link from "next/link";
import { GuestSignIn } from "@/components/GuestSignIn";
import { NewJobForm } from "./NewJobForm";

type Props = { searchParams: Promise<{ url?: string | string[] }> };

export default async function HomePage({ searchParams }: Props) {
  const { url } = await searchParams;
  return (
    <GuestSignIn>
      <NewJobForm key={typeof url === "string" ? url : ""} initialUrl={typeof url === "string" ? url : ""} />
      <p className="home-links">
        <Link href="/jobs">My jobs</Link> — everything you have started, with its status and results.
      </p>
    </GuestSignIn>
  );
}
