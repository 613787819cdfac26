"use client";

import { useConvexConnectionState } from "convex/react";
import { useEffect, useState } from "react";

/** A dropped connection shorter than this (a network blip) is not worth a banner. */
const GRACE_MS = 3000;

/**
 * Says so when the live connection to the server is lost: the page then shows what it last
 * heard (the stepper, progress) and would otherwise look frozen. It reconnects on its own; the
 * notice goes when it does. An upload in progress has its own offline handling.
 */
export function ConnectionNotice() {
  const { isWebSocketConnected, hasEverConnected } = useConvexConnectionState();
  const disconnected = hasEverConnected && !isWebSocketConnected;
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!disconnected) return;
    const timer = setTimeout(() => setShown(true), GRACE_MS);
    return () => {
      clearTimeout(timer);
      setShown(false);
    };
  }, [disconnected]);

  return (
    <p role="status" className={shown ? "notice connection-notice" : "visually-hidden"} data-testid="connection-notice">
      {shown ? "Connection to Reeldrop lost. Reconnecting… What you see may be out of date until then." : ""}
    </p>
  );
}
