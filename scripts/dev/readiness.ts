/** Waiting for a part of the dev stack to answer over HTTP. */

const RETRY_MS = 200;
/** One request's limit, so a server that accepts but never answers cannot hold the wait. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Resolves once `url` answers with a status `accept` takes; rejects after `timeoutMs` or on abort. */
export async function waitForAnswer(
  url: string,
  accept: (status: number) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now())) });
      await response.body?.cancel();
      if (accept(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
}
