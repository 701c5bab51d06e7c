type HeaderReader = { get(name: string): string | null };

/**
 * The pause a response asks for: Azure's `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds)
 * win over the standard `Retry-After` (seconds or an HTTP date, measured against `nowMs`).
 */
export function retryAfterMsFromHeaders(headers: HeaderReader, nowMs: number): number | null {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name)?.trim();
    if (value && /^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  }
  const retryAfter = headers.get("retry-after")?.trim();
  if (!retryAfter) return null;
  if (/^\d+(?:\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

export type BackoffPolicy = { baseDelayMs: number; maxDelayMs: number };

/**
 * Capped exponential backoff with equal jitter (half fixed, half random, so retries never bunch at
 * zero), never shorter than what the server asked for. `attempt` is the number of requests already
 * made.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number,
  requestedMs: number | null,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(backoff, requestedMs ?? 0));
}
