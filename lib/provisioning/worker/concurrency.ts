/**
 * How many DPS calls one worker process keeps in flight when HIC_WORKER_CONCURRENCY is `auto`.
 * By Little's law the fleet needs (devices per second the quota allows) × (seconds one device
 * takes at DPS, mostly its `Retry-After` before the poll) calls in flight to use the quota; each
 * live worker takes its share, with headroom so a slow call or a worker that just died does not
 * leave the quota unused. It is a ceiling: the global rate limiter, not this, sets the pace.
 */

/** Without a quota there is no pace to keep: a fixed number, as before. */
export const CONCURRENCY_WITHOUT_QUOTA = 64;
/** DPS answers the PUT with `Retry-After: 3` and is usually done at the first poll. */
export const ASSUMED_CALL_MS = 3_500;
const HEADROOM = 1.5;
const MIN = 4;
const MAX = 2_000;

export type ConcurrencyInputs = {
  /** The rate limiter's cost of one attempt (ms of the bucket), or null without a quota. */
  perAttemptMs: number | null;
  /** How long a DPS call takes here, measured (see CallTimer), or ASSUMED_CALL_MS before any. */
  callMs: number;
  /** Worker processes sharing the quota, this one included. */
  workers: number;
};

export function autoConcurrency({ perAttemptMs, callMs, workers }: ConcurrencyInputs): number {
  if (!perAttemptMs) return CONCURRENCY_WITHOUT_QUOTA;
  const fleetInFlight = (callMs / perAttemptMs) * HEADROOM;
  return Math.min(MAX, Math.max(MIN, Math.ceil(fleetInFlight / Math.max(1, workers)) + MIN));
}

/** A moving average of DPS call durations (successful calls only: an outage must not inflate it). */
export class CallTimer {
  private average: number | null = null;

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.average = this.average === null ? ms : this.average * 0.95 + ms * 0.05;
  }

  /** Never below the assumption: a run that starts with fast re-registrations must not starve a later slow one. */
  callMs(): number {
    return Math.max(ASSUMED_CALL_MS, this.average ?? ASSUMED_CALL_MS);
  }
}
