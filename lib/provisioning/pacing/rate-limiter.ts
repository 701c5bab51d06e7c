// Raw SQL: the lock. Booking a DPS send slot is one row-locking update that every worker runs per
// request.
import type pg from "pg";

/**
 * The global DPS rate limiter: one row of `rate_limiter`, shared by every worker in every process.
 * It is a GCRA ("next free slot") bucket: each caller atomically moves `next_slot_at` forward by
 * its cost and sends at the slot it was handed, so N processes together never exceed the rate and
 * a bucket left idle grants no burst. Slots are computed on the database clock only. Attempts
 * book their slot in the same statement that claims their device (device-attempt-sql.ts).
 */
export const DPS_RATE_LIMITER = "dps";

/**
 * We pace 2 % under the configured quota: timers wake a little late and irregularly, and DPS (like
 * the emulator) counts over a sliding minute, so pacing at exactly Q would now and then see Q + 1.
 */
export const RATE_SAFETY = 0.98;

export type DpsRates = { registrationsPerMinute: number; operationsPerMinute: number };

/** Milliseconds of the bucket each kind of request costs; null when neither quota is set. */
export type SlotCosts = {
  /** Booked before an attempt: the PUT (a registration and an operation) plus one operation poll. */
  perAttemptMs: number;
  /** Requests beyond that (a second poll, a retried PUT) are charged after the fact. */
  extraRegisterMs: number;
  extraOperationMs: number;
};

export function slotCosts(rates: DpsRates, safety = RATE_SAFETY): SlotCosts | null {
  const per = (perMinute: number) => (perMinute > 0 ? 60_000 / (perMinute * safety) : 0);
  const registration = per(rates.registrationsPerMinute);
  const operation = per(rates.operationsPerMinute);
  if (registration === 0 && operation === 0) return null;
  return {
    perAttemptMs: Math.max(registration, 2 * operation),
    extraRegisterMs: Math.max(registration, operation),
    extraOperationMs: operation,
  };
}

/** Devices per minute the bucket lets through at these rates (before the safety margin). */
export function devicesPerMinute(rates: DpsRates): number | null {
  const costs = slotCosts(rates, 1);
  return costs ? 60_000 / costs.perAttemptMs : null;
}

/**
 * Seconds to provision `count` devices at the configured quota (paced 2 % under it). Each device
 * costs a registration and two operations (the PUT and a status poll), so with an operations quota
 * equal to the registrations quota, operations are what limits the pace.
 */
export function estimateDuration(
  count: number,
  registrationsPerMinute: number,
  operationsPerMinute = 0,
): number {
  if (count <= 0) return 0;
  const perMinute = devicesPerMinute({ registrationsPerMinute, operationsPerMinute });
  if (!perMinute) return 0;
  return Math.ceil((count / (perMinute * RATE_SAFETY)) * 60);
}

/** Books `$cost` ms in bucket `$name` and returns how long to wait for the booked slot. */
const BOOK_SLOT = `
  insert into rate_limiter as r (name, next_slot_at) values ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
  on conflict (name) do update set next_slot_at = greatest(r.next_slot_at, clock_timestamp()) + $2::float8 * interval '1 millisecond'
  returning greatest(0, extract(epoch from (r.next_slot_at - clock_timestamp())) * 1000 - $2::float8)::float8 as wait_ms`;

type Queryable = Pick<pg.Pool, "query">;

/** Books one slot of `costMs` and returns the milliseconds to wait before using it. */
export async function reserveSlot(db: Queryable, costMs: number, name = DPS_RATE_LIMITER): Promise<number> {
  const { rows } = await db.query<{ wait_ms: number }>(BOOK_SLOT, [name, costMs]);
  return rows[0]?.wait_ms ?? 0;
}

/**
 * Charges a request that was sent without a booked slot (a retry inside the DPS client, an extra
 * poll): it moves the bucket on without waiting, so the requests that follow pay for it.
 */
export async function chargeSlot(db: Queryable, costMs: number, name = DPS_RATE_LIMITER): Promise<void> {
  if (costMs <= 0) return;
  await db.query(BOOK_SLOT, [name, costMs]);
}
