/**
 * Whether another tab or device is sending this job's file right now, as far as this tab can
 * tell: the server's count of recorded parts grew while this tab watched it, and not longer
 * than `UPLOADING_ELSEWHERE_QUIET_MS` ago. No clocks are compared (the server's timestamps and
 * this tab's clock may disagree), only what this tab saw change.
 */
import { useEffect, useState } from "react";

/**
 * Longer than the gap between recorded parts on a slow connection: 4 parts of 8 MiB in flight
 * share 2 Mbit/s, finish together, and the next 4 arrive about 134 s later.
 */
export const UPLOADING_ELSEWHERE_QUIET_MS = 180_000;

/** `partsRecorded`: the server's count while this tab watches the session, else null. */
export function useUploadingElsewhere(partsRecorded: number | null): boolean {
  // React's pattern for "what changed since the last render": keep the previous value in state.
  const [previous, setPrevious] = useState(partsRecorded);
  const [growths, setGrowths] = useState(0);
  const [growthsWhenQuiet, setGrowthsWhenQuiet] = useState(0);
  if (partsRecorded !== previous) {
    setPrevious(partsRecorded);
    if (previous !== null && partsRecorded !== null && partsRecorded > previous) setGrowths(growths + 1);
  }
  useEffect(() => {
    if (growths === 0) return;
    const timer = setTimeout(() => setGrowthsWhenQuiet(growths), UPLOADING_ELSEWHERE_QUIET_MS);
    return () => clearTimeout(timer);
  }, [growths]);
  return partsRecorded !== null && growths > growthsWhenQuiet;
}
