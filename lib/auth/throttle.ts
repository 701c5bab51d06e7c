import { isIP } from "node:net";
import { and, eq, gt, isNull, like, lt, lte, or, sql } from "drizzle-orm";
import { signInThrottle } from "@/db/schema/users";
import { getDb } from "@/lib/database";

/**
 * Guessing made slow, not lockouts made easy (OWASP authentication guidance). Each key (an account
 * as seen from browsers it does not know, a client address, or one browser that has signed in to
 * the account before) gets `free` password checks; from then on every further check makes the next
 * one wait, twice as long each time (30 s, 1 min, 2 min, … up to 15 min). An hour without attempts
 * starts the count afresh. A browser holding the account's device cookie is counted on its own
 * key only, so failures from elsewhere never keep the owner out. Counted in Postgres so every app
 * process sees the same count.
 */
export const THROTTLE_POLICY = {
  /** An hour without a counted attempt forgets the key's failures. */
  quietMs: 60 * 60_000,
  firstDelayMs: 30_000,
  maxDelayMs: 15 * 60_000,
  accountLimit: 5,
  addressLimit: 20,
  deviceLimit: 10,
  /** Attempts at the public first-administrator form per client address. */
  setupLimit: 5,
};

export function accountKey(email: string): string {
  return `account:${email.trim().toLowerCase()}`;
}

export function deviceKey(deviceId: string): string {
  return `device:${deviceId}`;
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

function limitOf(key: string): number {
  if (key.startsWith("device:")) return THROTTLE_POLICY.deviceLimit;
  if (key.startsWith("setup:")) return THROTTLE_POLICY.setupLimit;
  if (key.startsWith("account:")) return THROTTLE_POLICY.accountLimit;
  return THROTTLE_POLICY.addressLimit;
}

/**
 * The keys one attempt counts against. A browser the account has signed in from before (its
 * device cookie, verified by the caller) counts on its own: neither the account's count, which
 * anyone who knows the email can raise, nor its address's, which it may share with an attacker.
 */
export function throttleKeys(
  email: string,
  clientAddress: string | null,
  deviceId: string | null = null,
): { key: string; limit: number }[] {
  const keys = deviceId ? [deviceKey(deviceId)] : [accountKey(email), addressKey(clientAddress)];
  return keys.map((key) => ({ key, limit: limitOf(key) }));
}

export type Slot = { allowed: true; keys: string[] } | { allowed: false; retryAt: Date };

const wantedValues = (keys: string[]) =>
  sql.join(
    keys.map((k) => sql`(${k}, ${limitOf(k)}::int)`),
    sql`, `,
  );

/**
 * Takes one attempt's slot on each of its keys in a single statement, before any password is
 * checked: a burst of parallel attempts is counted one by one under the row locks. A key waiting
 * out its delay refuses the attempt without counting it; otherwise the attempt counts, and once
 * the key's count reaches its limit the next attempt must wait (doubling per further attempt).
 * `window_started_at` holds the last counted attempt (an hour of quiet starts afresh), so a row
 * whose value is not this statement's `now()` is one that waited. Reading the old row in a CTE
 * instead would see the snapshot from before a parallel attempt's update.
 */
export async function takeSlot(
  email: string,
  clientAddress: string | null,
  deviceId: string | null = null,
): Promise<Slot> {
  return takeSlots(throttleKeys(email, clientAddress, deviceId).map((k) => k.key));
}

/** The public set-up form, counted per client address like sign-in guesses (it hashes a password). */
export function takeSetupSlot(clientAddress: string | null): Promise<Slot> {
  return takeSlots([`setup:${addressKey(clientAddress).slice("address:".length)}`]);
}

async function takeSlots(keys: string[]): Promise<Slot> {
  const quietSeconds = THROTTLE_POLICY.quietMs / 1000;
  const firstDelay = THROTTLE_POLICY.firstDelayMs / 1000;
  const maxDelay = THROTTLE_POLICY.maxDelayMs / 1000;
  const waiting = sql`(t.locked_until > now())`;
  const counted = sql`(case when t.window_started_at < now() - make_interval(secs => ${quietSeconds}) then 1 else t.failures + 1 end)`;
  const lim = sql`(select lim from wanted w where w.key = t.key)`;
  const result = await getDb().execute<{
    key: string;
    waited: boolean;
    locked_until: Date | string | null;
  }>(sql`
    with wanted (key, lim) as (values ${wantedValues(keys)})
    insert into sign_in_throttle as t (key, failures, window_started_at, locked_until)
    select key, 1, now(), case when lim <= 1 then now() + make_interval(secs => ${firstDelay}) end from wanted
    on conflict (key) do update set
      failures = case when ${waiting} then t.failures else ${counted} end,
      window_started_at = case when ${waiting} then t.window_started_at else now() end,
      locked_until = case
        when ${waiting} then t.locked_until
        when ${counted} >= ${lim}
          then now() + make_interval(secs => least(${maxDelay}::float8, ${firstDelay}::float8 * power(2, ${counted} - ${lim})))
        else null end
    returning key, t.window_started_at <> now() as waited, locked_until`);
  const refused = result.rows.filter((r) => r.waited);
  if (refused.length === 0) return { allowed: true, keys };
  // The keys that were not waiting counted this attempt for nothing: hand their slot back.
  await releaseSlots(result.rows.filter((r) => !r.waited).map((r) => r.key));
  const retryAt = new Date(Math.max(...refused.map((r) => new Date(r.locked_until!).getTime())));
  return { allowed: false, retryAt };
}

/**
 * Gives slots back (a check that never ran, or a successful sign-in's address): the count drops
 * by one, and a delay this very attempt started is lifted when the count is below the limit again.
 */
export async function releaseSlots(keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await getDb().execute(sql`
    with wanted (key, lim) as (values ${wantedValues(keys)})
    update sign_in_throttle t set
      failures = greatest(t.failures - 1, 0),
      locked_until = case when t.failures - 1 < w.lim then null else t.locked_until end
    from wanted w where w.key = t.key`);
}

/** A correct password clears the count of the key it came through (the account's, or its browser's). */
export async function clearKeyFailures(key: string): Promise<void> {
  await getDb().delete(signInThrottle).where(eq(signInThrottle.key, key));
}

/** When the account may try again, or null if it is not locked. */
export async function accountLockedUntil(email: string): Promise<Date | null> {
  const [row] = await getDb()
    .select({ lockedUntil: signInThrottle.lockedUntil })
    .from(signInThrottle)
    .where(and(eq(signInThrottle.key, accountKey(email)), gt(signInThrottle.lockedUntil, sql`now()`)));
  return row?.lockedUntil ?? null;
}

/** An administrator's unlock: the account's count starts from zero. Returns whether it was locked. */
export async function unlockAccount(email: string): Promise<boolean> {
  const [row] = await getDb()
    .delete(signInThrottle)
    .where(eq(signInThrottle.key, accountKey(email)))
    .returning({ lockedUntil: signInThrottle.lockedUntil });
  return Boolean(row?.lockedUntil && row.lockedUntil.getTime() > Date.now());
}

/** The accounts locked right now, keyed by lower-cased email. */
export async function lockedAccounts(): Promise<Map<string, Date>> {
  const rows = await getDb()
    .select({ key: signInThrottle.key, lockedUntil: signInThrottle.lockedUntil })
    .from(signInThrottle)
    .where(and(like(signInThrottle.key, "account:%"), gt(signInThrottle.lockedUntil, sql`now()`)));
  return new Map(rows.map((r) => [r.key.slice("account:".length), r.lockedUntil!]));
}

const PURGE_EVERY_MS = 60_000;
let lastPurge = 0;

/** Counts quiet for an hour whose delay has run out say nothing any more; at most once a minute per process. */
export async function purgeExpiredThrottleRows(now = Date.now()): Promise<number> {
  if (now - lastPurge < PURGE_EVERY_MS) return 0;
  lastPurge = now;
  const quietSeconds = THROTTLE_POLICY.quietMs / 1000;
  const result = await getDb()
    .delete(signInThrottle)
    .where(
      and(
        lt(signInThrottle.windowStartedAt, sql`now() - make_interval(secs => ${quietSeconds})`),
        or(isNull(signInThrottle.lockedUntil), lte(signInThrottle.lockedUntil, sql`now()`)),
      ),
    );
  return result.rowCount ?? 0;
}
