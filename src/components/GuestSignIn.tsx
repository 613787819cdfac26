"use client";

import { useAuthActions } from "@convex-dev/auth/react";
import { useConvexAuth } from "convex/react";
import { useState, type ReactNode } from "react";

/** Renders its children once the visitor is signed in; otherwise offers one-click guest sign-in. */
export function GuestSignIn({ children }: { children: ReactNode }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const { signIn } = useAuthActions();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (isLoading) return <p aria-busy="true">Connecting…</p>;
  if (isAuthenticated) return <>{children}</>;

  async function continueAsGuest() {
    setPending(true);
    setError(null);
    try {
      await signIn("anonymous");
    } catch {
      setError("Could not sign you in. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="card" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Welcome to Reeldrop</h1>
      <p>Paste a link to your YouTube video, upload your own copy, and get a poster, thumbnails, previews, clips and audio.</p>
      <p className="muted small">
        As a guest, your jobs belong to this browser: clearing its site data, or another browser, starts afresh.
      </p>
      <button type="button" className="button-primary" onClick={continueAsGuest} disabled={pending}>
        {pending ? "Signing in…" : "Continue as guest"}
      </button>
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
    </section>
  );
}
