/** The longest wait the throttle ever asks for (throttle.ts), so a code claiming more is not believed. */
const LONGEST_WAIT_MS = 15 * 60_000;

/** "Too many failed sign-ins… Try again in 2 minutes (after 14:35 UTC)…" for a wait ending at `retryAt`. */
export function lockMessage(retryAt: Date, now = Date.now()): string {
  return `Too many failed sign-ins for this account or from your network. ${waitMessage(retryAt, now)} A browser you have signed in with before is not held up by attempts from elsewhere.`;
}

/** "Try again in 30 seconds (after 14:35:20 UTC)." */
export function waitMessage(retryAt: Date, now = Date.now()): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
  const wait =
    seconds < 60
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}`;
  const clock = retryAt.toISOString().slice(11, seconds < 60 ? 19 : 16);
  return `Try again in ${wait} (after ${clock} UTC).`;
}

/**
 * The wait's end from Auth.js's error code `throttled-<epoch milliseconds>` (see auth.ts). The code
 * arrives in a URL anyone can write: anything that is not a time within the longest wait from now
 * reads as the longest wait.
 */
export function retryAtFromCode(code: string, now = Date.now()): Date {
  const text = code.slice("throttled-".length);
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  return ms > now && ms <= now + LONGEST_WAIT_MS ? new Date(ms) : new Date(now + LONGEST_WAIT_MS);
}
