import type { ReactNode } from "react";

/**
 * Where a guest's jobs live, said where it matters (My jobs, before an upload): signing in as a
 * guest ties them to this browser's site data, which nothing else can restore.
 */
export function GuestOwnershipNote({ children }: { children?: ReactNode }) {
  return (
    <div className="guest-note small">
      <p>
        You are signed in as a guest, so your jobs belong to this browser: clearing its site data, or another browser,
        starts afresh and cannot reach them.
      </p>
      {children}
    </div>
  );
}
