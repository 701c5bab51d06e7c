import { inArray, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { signInThrottle } from "@/db/schema";

// Five wrong passwords for one account, or twenty from one address, within fifteen minutes lock
// further attempts for fifteen minutes. Counted in Postgres so every app process sees the same count.
export const THROTTLE_POLICY = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  accountLimit: 5,
  addressLimit: 20,
};

export function throttleKeys(email: string, clientAddress: string | null): { key: string; limit: number }[] {
  const keys = [{ key: `account:${email.toLowerCase()}`, limit: THROTTLE_POLICY.accountLimit }];
  if (clientAddress) keys.push({ key: `address:${clientAddress}`, limit: THROTTLE_POLICY.addressLimit });
  return keys;
}

/** When the next attempt is allowed, or null if it is allowed now. */
export async function lockedUntil(email: string, clientAddress: string | null, now = new Date()): Promise<Date | null> {
  const keys = throttleKeys(email, clientAddress).map((k) => k.key);
  const rows = await getDb().select().from(signInThrottle).where(inArray(signInThrottle.key, keys));
  const locks = rows.map((r) => r.lockedUntil).filter((d): d is Date => d !== null && d > now);
  return locks.length ? new Date(Math.max(...locks.map((d) => d.getTime()))) : null;
}

export async function recordFailure(email: string, clientAddress: string | null): Promise<void> {
  const db = getDb();
  const windowSeconds = THROTTLE_POLICY.windowMs / 1000;
  const lockSeconds = THROTTLE_POLICY.lockMs / 1000;
  for (const { key, limit } of throttleKeys(email, clientAddress)) {
    // One statement per key: restart the window when it has expired, then lock at the limit.
    await db.execute(sql`
      insert into sign_in_throttle as t (key, failures, window_started_at)
      values (${key}, 1, now())
      on conflict (key) do update set
        failures = case when t.window_started_at < now() - make_interval(secs => ${windowSeconds}) then 1 else t.failures + 1 end,
        window_started_at = case when t.window_started_at < now() - make_interval(secs => ${windowSeconds}) then now() else t.window_started_at end,
        locked_until = case
          when (case when t.window_started_at < now() - make_interval(secs => ${windowSeconds}) then 1 else t.failures + 1 end) >= ${limit}
          then now() + make_interval(secs => ${lockSeconds}) else t.locked_until end`);
  }
}

/** A correct password clears the account's count; the address keeps its count, so one good login cannot launder a spray. */
export async function clearAccountFailures(email: string): Promise<void> {
  await getDb().delete(signInThrottle).where(sql`${signInThrottle.key} = ${`account:${email.toLowerCase()}`}`);
}
