"use client";

import { ConvexReactClient } from "convex/react";
import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { useState, type ReactNode } from "react";
import { ConnectionNotice } from "./ConnectionNotice";

export function ConvexClientProvider({ children }: { children: ReactNode }) {
  const convexUrl = process.env.NEXT_PUBLIC_CONVEX_URL;
  const [client] = useState(() => (convexUrl ? new ConvexReactClient(convexUrl) : null));
  if (client === null) {
    return (
      <p role="alert" className="notice notice-error">
        The app is not connected to a backend: NEXT_PUBLIC_CONVEX_URL is not set. Start it with{" "}
        <code>npm run dev</code>.
      </p>
    );
  }
  return (
    <ConvexAuthProvider client={client}>
      <ConnectionNotice />
      {children}
    </ConvexAuthProvider>
  );
}
