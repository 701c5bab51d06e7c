import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";

/**
 * OWASP's "device cookie": after a successful sign-in the browser gets a signed cookie naming the
 * account. Later sign-ins from that browser are throttled on the cookie's own count, so an
 * attacker's failures from elsewhere (which raise the account's count) never keep the owner out.
 * Signed with AUTH_SECRET under its own label, so it cannot pass for a session token or vice versa.
 */
export const DEVICE_COOKIE = "hic-device";
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

function signature(secret: string, email: string, id: string): string {
  return createHmac("sha256", secret)
    .update(`hic-device-cookie\u0000${email}\u0000${id}`)
    .digest("base64url");
}

function secretOrNull(secret?: string): string | null {
  return secret ?? env().AUTH_SECRET ?? null;
}

/** A fresh cookie value for this account, or null when no signing secret is configured. */
export function issueDeviceCookie(email: string, secret?: string): string | null {
  const key = secretOrNull(secret);
  if (!key) return null;
  const normalized = email.trim().toLowerCase();
  const id = randomBytes(16).toString("base64url");
  return `${Buffer.from(normalized).toString("base64url")}.${id}.${signature(key, normalized, id)}`;
}

/** The device's id when the cookie is genuine and names this account; null for anything else. */
export function deviceIdFor(
  cookieValue: string | undefined | null,
  email: string,
  secret?: string,
): string | null {
  const key = secretOrNull(secret);
  if (!key || !cookieValue || cookieValue.length > 300) return null;
  const parts = cookieValue.split(".");
  if (parts.length !== 3) return null;
  const [encodedEmail, id, sig] = parts as [string, string, string];
  const normalized = email.trim().toLowerCase();
  if (Buffer.from(encodedEmail, "base64url").toString("utf8") !== normalized) return null;
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return null;
  const expected = Buffer.from(signature(key, normalized, id));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** The device cookie's value from a Cookie header. */
export function deviceCookieFrom(cookieHeader: string | null): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === DEVICE_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}
