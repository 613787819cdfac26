"use client";

import { ConvexReactClient } from "convex/react";
import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { useState, useSyncExternalStore, type ReactNode } from "react";
import { ConnectionNotice } from "./ConnectionNotice";
import { refusalLogger } from "./refusalLogger";

const noSubscription = () => () => {};

/**
 * False on the server and while the page hydrates, true in the browser after that: the server's
 * snapshot is what hydration must match.
 */
function useInBrowser(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/**
 * The live connection to Convex, made in the browser only. Rendering on the server (prerendering
 * in `next build`, or a request) shows "Connecting…", as signing in does in the browser until
 * the connection answers: a client made there would open a sync WebSocket from the build
 * machine or the web server that nothing ever closes.
 */
export function ConvexClientProvider({ children }: { children: ReactNode }) {
  const convexUrl = process.env.NEXT_PUBLIC_CONVEX_URL;
  const inBrowser = useInBrowser();
  if (!convexUrl) {
    return (
      <p role="alert" className="notice notice-error">
        The app is not connected to a backend: NEXT_PUBLIC_CONVEX_URL is not set. Start it with{" "}
        <code>npm run dev</code>.
      </p>
    );
  }
  if (!inBrowser) return <p aria-busy="true">Connecting…</p>;
  return <BrowserConvexProvider url={convexUrl}>{children}</BrowserConvexProvider>;
}

function BrowserConvexProvider({ url, children }: { url: string; children: ReactNode }) {
  // Refusals the page handles (the app's ConvexError codes) are logged as info, not as errors.
  const [client] = useState(() => new ConvexReactClient(url, { logger: refusalLogger() }));
  return (
    <ConvexAuthProvider client={client}>
      <ConnectionNotice />
      {children}
    </ConvexAuthProvider>
  );
}
