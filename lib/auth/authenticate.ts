import type { AuditAction } from "@/lib/audit/actions";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { logger } from "@/lib/logger";
import { PasswordCheckBusyError } from "./argon2-gate";
import { verifyAgainstDummy, verifyPassword } from "./password";
import {
  accountKey,
  addressKey,
  clearKeyFailures,
  deviceKey,
  purgeExpiredThrottleRows,
  releaseSlots,
  takeSlot,
} from "./throttle";
import { findUserByEmail, recordSignIn } from "@/lib/users/store";

export type AuthenticationResult =
  | { ok: true; user: { id: string; email: string; sessionGeneration: number } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAt: Date }
  | { ok: false; reason: "busy" };

type Purpose = "sign-in" | "confirm-password";

/**
 * Checks an email and password, with throttling and an audit record either way. The attempt takes
 * its throttle slot before the password hash is computed, so parallel guesses cannot outrun the
 * limit. A disabled account answers exactly like a wrong password, so probing cannot tell the two
 * apart. `confirm-password` is a signed-in user proving the current password (e.g. to change it):
 * throttled the same way, but no sign-in is recorded. `deviceId` is the id from a genuine device
 * cookie for this account (device-cookie.ts): such a browser is throttled on its own count.
 */
export async function authenticate(
  email: string,
  password: string,
  clientAddress: string | null,
  purpose: Purpose = "sign-in",
  deviceId: string | null = null,
): Promise<AuthenticationResult> {
  const normalized = email.trim().toLowerCase();
  const action: AuditAction = purpose === "sign-in" ? "auth.sign-in" : "auth.confirm-password";
  const audit = (outcome: "success" | "failure" | "denied", detail: Record<string, unknown>, actor?: Actor) =>
    recordAudit({ action, target: normalized, outcome, detail, actor, clientAddress });
  void purgeExpiredThrottleRows().catch((error: unknown) =>
    logger.warn({ err: { message: (error as Error).message } }, "could not purge old sign-in throttle rows"),
  );

  const slot = await takeSlot(normalized, clientAddress, deviceId);
  const known = deviceId ? { knownDevice: true } : {};
  if (!slot.allowed) {
    await audit("denied", { reason: "throttled", retryAt: slot.retryAt.toISOString(), ...known });
    return { ok: false, reason: "throttled", retryAt: slot.retryAt };
  }
  let user: Awaited<ReturnType<typeof findUserByEmail>>;
  let passwordOk: boolean;
  try {
    user = await findUserByEmail(normalized);
    if (!user) await verifyAgainstDummy(password);
    passwordOk = user ? await verifyPassword(user.passwordHash, password) : false;
  } catch (error) {
    if (!(error instanceof PasswordCheckBusyError)) throw error;
    await releaseSlots(slot.keys);
    await audit("denied", { reason: "busy" });
    return { ok: false, reason: "busy" };
  }
  if (!user || !passwordOk || user.disabledAt) {
    // The slot taken above stays taken: it is this failure's count.
    const reason = !user ? "unknown-account" : !passwordOk ? "wrong-password" : "account-disabled";
    await audit("failure", { reason, ...known });
    return { ok: false, reason: "invalid" };
  }
  // The address keeps its failures, so one good sign-in cannot launder a spray; a known browser's
  // success leaves the account's count (raised from elsewhere) as it is.
  if (deviceId) await clearKeyFailures(deviceKey(deviceId));
  else {
    await clearKeyFailures(accountKey(normalized));
    await releaseSlots([addressKey(clientAddress)]);
  }
  if (purpose === "sign-in") await recordSignIn(user.id);
  const actor = { id: user.id, email: user.email };
  await audit("success", {}, actor);
  return { ok: true, user: { ...actor, sessionGeneration: user.sessionGeneration } };
}
