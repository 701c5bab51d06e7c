/**
 * Waiting that a stop can cut short: the two ways the app waits under an AbortSignal (a pause
 * between retries, and a promise that may never settle: a fetch that ignores its signal, a stalled
 * upload).
 */

/** Resolves after `ms`, or early, without throwing, when the signal aborts: callers check the signal afterwards. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as it aborts. A late
 * rejection of `promise` after that is swallowed, so it cannot surface as an unhandled one.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
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
