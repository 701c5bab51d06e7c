/** "Try again in 15 minutes (after 14:35 UTC)…" for a lock ending at `retryAt`. */
export function lockMessage(retryAt: Date, now = Date.now()): string {
  const minutes = Math.max(1, Math.ceil((retryAt.getTime() - now) / 60_000));
  const clock = retryAt.toISOString().slice(11, 16);
  return `Too many failed sign-ins for this account or from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"} (after ${clock} UTC), or ask an administrator to unlock the account.`;
}

/** The lock's end from Auth.js's error code `throttled-<epoch milliseconds>` (see auth.ts). */
export function retryAtFromCode(code: string, now = Date.now()): Date {
  const ms = Number(code.slice("throttled-".length));
  return Number.isSafeInteger(ms) && ms > 0 ? new Date(ms) : new Date(now + 15 * 60_000);
}
