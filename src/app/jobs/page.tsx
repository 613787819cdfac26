import type { Metadata } from "next";
import { GuestSignIn } from "@/components/GuestSignIn";
import { MyJobsList } from "./MyJobsList";

export const metadata: Metadata = { title: "My jobs · Reeldrop" };

export default function MyJobsPage() {
  return (
    <GuestSignIn>
      <MyJobsList />
    </GuestSignIn>
  );
}
