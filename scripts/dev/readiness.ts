/** Waiting for a part of the dev stack to answer over HTTP. */

const RETRY_MS = 200;
/** One request's limit, so a server that accepts but never answers cannot hold the wait. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Resolves once `url` gives an answer `accept` takes (its status, or its body too); rejects after
 * `timeoutMs` or on abort.
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
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, left)) });
      const accepted = await accept(response);
      if (!response.bodyUsed) await response.body?.cancel();
      if (accepted) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
}
