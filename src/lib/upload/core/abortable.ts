/**
 * Small promise helpers that respect AbortSignals, so that every wait in the engine ends when
 * the upload is paused, canceled or failed — no promise is left hanging.
 */

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it aborts — even when
 * whatever produced `promise` ignores the signal. A late rejection of `promise` is swallowed.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A controller that aborts when any of `parents` does (AbortSignal.any is missing from Safari
 * before 17.4). Call `release` when done so the parents do not keep it alive.
 */
export function linkedAbortController(parents: readonly AbortSignal[]): {
  controller: AbortController;
  release: () => void;
} {
  const controller = new AbortController();
  const alreadyAborted = parents.find((parent) => parent.aborted);
  if (alreadyAborted) {
    controller.abort(alreadyAborted.reason);
    return { controller, release: () => {} };
  }
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const parent of parents) parent.addEventListener("abort", onAbort, { once: true });
  return {
    controller,
    release: () => parents.forEach((parent) => parent.removeEventListener("abort", onAbort)),
  };
}
