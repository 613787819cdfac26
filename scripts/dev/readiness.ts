/** Waiting for a part of the dev stack to answer over HTTP. */

const RETRY_MS = 200;
/** One request's limit, so a server that accepts but never answers cannot hold the wait. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Resolves once `url` gives an answer `accept` takes (its status, or its body too); rejects after
 * `timeoutMs`, or with the signal's reason as soon as `signal` aborts (mid-request too).
 */
export async function waitForAnswer(
  url: string,
  accept: (response: Response) => boolean | Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  for (let left = timeoutMs; left > 0; left = deadline - Date.now()) {
    signal?.throwIfAborted();
    const requestTimeout = AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, left));
    try {
      const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, requestTimeout]) : requestTimeout });
      const accepted = await accept(response);
      if (!response.bodyUsed) await response.body?.cancel();
      if (accepted) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      signal?.throwIfAborted();
      // A request cut short by the wait's own deadline says nothing new about the server.
      if (!(requestTimeout.aborted && left < REQUEST_TIMEOUT_MS)) last = (error as Error).message;
    }
    await pause(RETRY_MS, signal);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
