import { isIP } from "node:net";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";

// Five password checks for one account, or twenty from one address, within fifteen minutes lock
// further attempts for fifteen minutes. Counted in Postgres so every app process sees the same count.
export const THROTTLE_POLICY = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  accountLimit: 5,
  addressLimit: 20,
};

export function accountKey(email: string): string {
  return `account:${email.trim().toLowerCase()}`;
}

/**
 * IPv6 clients usually hold a whole /64, so one address per attempt would walk around the limit:
 * an IPv6 client is counted by its /64. An unknown address (the app not behind its own server)
 * shares one count, which errs on the side of locking.
 */
export function addressKey(clientAddress: string | null): string {
  if (!clientAddress) return "address:unknown";
  if (isIP(clientAddress) !== 6) return `address:${clientAddress}`;
  const [head = "", tail = ""] = clientAddress.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = clientAddress.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `address:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

export function throttleKeys(email: string, clientAddress: string | null): { key: string; limit: number }[] {
  return [
    { key: accountKey(email), limit: THROTTLE_POLICY.accountLimit },
    { key: addressKey(clientAddress), limit: THROTTLE_POLICY.addressLimit },
  ];
}

export type Slot = { allowed: true; keys: string[] } | { allowed: false; retryAt: Date };

/**
 * Takes one attempt's slot on the account's and the address's counts in a single statement,
 * before any password is checked: a burst of parallel attempts is counted one by one under the
 * row locks, so at most the limit get through to a password check. Going over the limit locks
 * the key; an expired window or lock starts a fresh count.
 */
export async function takeSlot(email: string, clientAddress: string | null): Promise<Slot> {
  const keys = throttleKeys(email, clientAddress);
  const windowSeconds = THROTTLE_POLICY.windowMs / 1000;
  const lockSeconds = THROTTLE_POLICY.lockMs / 1000;
  const fresh = sql`(t.window_started_at < now() - make_interval(secs => ${windowSeconds}) or t.locked_until <= now())`;
  const locked = sql`(t.locked_until > now())`;
  const values = sql.join(
    keys.map((k) => sql`(${k.key}, ${k.limit}::int)`),
    sql`, `,
  );
  const result = await getDb().execute<{
    key: string;
    failures: number;
    locked_until: Date | string | null;
  }>(sql`
    with wanted (key, lim) as (values ${values})
    insert into sign_in_throttle as t (key, failures, window_started_at)
    select key, 1, now() from wanted
    on conflict (key) do update set
      failures = case when ${locked} then t.failures when ${fresh} then 1 else t.failures + 1 end,
      window_started_at = case when ${locked} then t.window_started_at when ${fresh} then now() else t.window_started_at end,
      locked_until = case
        when ${locked} then t.locked_until
        when ${fresh} then null
        when t.failures + 1 > (select lim from wanted w where w.key = t.key) then now() + make_interval(secs => ${lockSeconds})
        else null end
    returning key, failures, locked_until`);
  const limits = new Map(keys.map((k) => [k.key, k.limit]));
  const rows = result.rows.map((r) => ({ ...r, limit: limits.get(r.key) ?? 0 }));
  const lockedUntil = rows
    .map((r) => (r.locked_until ? new Date(r.locked_until) : null))
    .filter((d): d is Date => d !== null && d.getTime() > Date.now());
  const over = rows.some((r) => Number(r.failures) > r.limit);
  if (lockedUntil.length === 0 && !over) return { allowed: true, keys: keys.map((k) => k.key) };
  // The keys that still had room gave their slot for nothing: hand it back.
  const refund = rows
    .filter((r) => !(r.locked_until && new Date(r.locked_until).getTime() > Date.now()))
    .map((r) => r.key);
  if (refund.length > 0) await releaseSlots(refund);
  const retryAt = lockedUntil.length
    ? new Date(Math.max(...lockedUntil.map((d) => d.getTime())))
    : new Date(Date.now() + THROTTLE_POLICY.lockMs);
  return { allowed: false, retryAt };
}

/** Gives slots back (a successful sign-in does not count against its address). */
export async function releaseSlots(keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await getDb().execute(sql`
    update sign_in_throttle set failures = greatest(failures - 1, 0)
    where key in (${sql.join(
      keys.map((k) => sql`${k}`),
      sql`, `,
    )}) and (locked_until is null or locked_until <= now())`);
}

/** A correct password clears the account's count; the address keeps its failures, so one good sign-in cannot launder a spray. */
export async function clearAccountFailures(email: string): Promise<void> {
  await getDb().execute(sql`delete from sign_in_throttle where key = ${accountKey(email)}`);
}

/** When the account may try again, or null if it is not locked. */
export async function accountLockedUntil(email: string): Promise<Date | null> {
  const result = await getDb().execute<{ locked_until: Date | string | null }>(
    sql`select locked_until from sign_in_throttle where key = ${accountKey(email)} and locked_until > now()`,
  );
  const value = result.rows[0]?.locked_until;
  return value ? new Date(value) : null;
}

/** An administrator's unlock: the account's count starts from zero. Returns whether it was locked. */
export async function unlockAccount(email: string): Promise<boolean> {
  const result = await getDb().execute<{ locked_until: Date | string | null }>(
    sql`delete from sign_in_throttle where key = ${accountKey(email)} returning locked_until`,
  );
  const value = result.rows[0]?.locked_until;
  return Boolean(value && new Date(value).getTime() > Date.now());
}

/** The accounts locked right now, keyed by lower-cased email. */
export async function lockedAccounts(): Promise<Map<string, Date>> {
  const result = await getDb().execute<{ key: string; locked_until: Date | string }>(
    sql`select key, locked_until from sign_in_throttle where key like 'account:%' and locked_until > now()`,
  );
  return new Map(result.rows.map((r) => [r.key.slice("account:".length), new Date(r.locked_until)]));
}

const PURGE_EVERY_MS = 60_000;
let lastPurge = 0;

/** Counts whose window and lock have both run out say nothing any more; at most once a minute per process. */
export async function purgeExpiredThrottleRows(now = Date.now()): Promise<number> {
  if (now - lastPurge < PURGE_EVERY_MS) return 0;
  lastPurge = now;
  const windowSeconds = THROTTLE_POLICY.windowMs / 1000;
  const result = await getDb().execute(sql`
    delete from sign_in_throttle
    where window_started_at < now() - make_interval(secs => ${windowSeconds}) and (locked_until is null or locked_until <= now())`);
  return result.rowCount ?? 0;
}
