/**
 * How many jobs the worker's fetch loop takes from the queue now. Pure arithmetic over the loop's
 * counters, so it is tested with a simulated clock instead of timing tests.
 *
 * The loop keeps every call slot busy and a few attempts ready to take the next free one: attempts
 * are fetched, claimed and booked into the rate limiter ahead of their call. With a low DPS quota
 * most attempts wait for their rate-limiter slot instead, so what is booked ahead is capped at about
 * BOOKING_HORIZON_MS of slots (a job held longer would only wait, and a stopped worker would give
 * more of them back).
 */

export const BOOKING_HORIZON_MS = 4_000;
/** Jobs per fetch at most: one claim statement per fetch stays small. */
export const MAX_FETCH = 100;

export type FetchState = {
  /** DPS calls this process may have in flight (HIC_WORKER_CONCURRENCY). */
  concurrency: number;
  /** Call slots in use now. */
  busyCallSlots: number;
  /** Attempts fetched and claimed that have not started their DPS call yet. */
  beforeCall: number;
  /** The rate limiter's cost of one attempt, or null when DPS has no quota configured. */
  perAttemptMs: number | null;
};

/** Attempts kept ready beyond the call slots, so a freed slot is used at once. */
export function readyAheadFor(concurrency: number): number {
  return Math.max(4, Math.ceil(concurrency / 2));
}

/** Attempts that may wait for their rate-limiter slot at once: about BOOKING_HORIZON_MS of slots. */
export function bookingCapFor(perAttemptMs: number | null): number {
  return perAttemptMs ? Math.max(2, Math.ceil(BOOKING_HORIZON_MS / perAttemptMs)) : Number.POSITIVE_INFINITY;
}

/** How many jobs to fetch now; 0 means wait (for a nudge or the next poll). */
export function jobsToFetch(state: FetchState): number {
  const readyAhead = readyAheadFor(state.concurrency);
  const bookingCap = bookingCapFor(state.perAttemptMs);
  // Enough attempts to fill the free call slots, plus a few ready to take the next one.
  const room = Math.min(
    state.concurrency - state.busyCallSlots + readyAhead - state.beforeCall,
    bookingCap - state.beforeCall,
    MAX_FETCH,
  );
  // While attempts are still lined up, fetch and claim in batches: fewer, larger statements.
  const worthFetching =
    state.beforeCall === 0 ? 1 : Math.max(1, Math.min(Math.ceil(readyAhead / 2), Math.floor(bookingCap / 2)));
  return room < worthFetching ? 0 : room;
}
