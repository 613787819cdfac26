import { GuestSignIn } from "@/components/GuestSignIn";
import { NewJobForm } from "./NewJobForm";

export default function HomePage() {
  return (
    <GuestSignIn>
      <NewJobForm />
    </GuestSignIn>
  );
}
