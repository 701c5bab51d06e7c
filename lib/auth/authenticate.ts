import { recordAudit } from "@/lib/audit/record";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { clearAccountFailures, lockedUntil, recordFailure } from "./throttle";
import { findUserByEmail, recordSignIn } from "@/lib/users/store";

export type AuthenticationResult =
  | { ok: true; user: { id: string; email: string } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAt: Date };

/**
 * Checks an email and password, with throttling and an audit record either way. A disabled
 * account answers exactly like a wrong password, so probing cannot tell the two apart.
 */
export async function authenticate(
  email: string,
  password: string,
  clientAddress: string | null,
): Promise<AuthenticationResult> {
  const normalized = email.trim().toLowerCase();
  const audit = (outcome: "success" | "failure" | "denied", detail: Record<string, unknown>, actor?: { id: string; email: string }) =>
    recordAudit({ action: "auth.sign-in", target: normalized, outcome, detail, actor, clientAddress });

  const retryAt = await lockedUntil(normalized, clientAddress);
  if (retryAt) {
    await audit("denied", { reason: "throttled", retryAt: retryAt.toISOString() });
    return { ok: false, reason: "throttled", retryAt };
  }

  const user = await findUserByEmail(normalized);
  if (!user) await verifyAgainstDummy(password);
  const passwordOk = user ? await verifyPassword(user.passwordHash, password) : false;
  if (!user || !passwordOk || user.disabledAt) {
    await recordFailure(normalized, clientAddress);
    const reason = !user ? "unknown-account" : !passwordOk ? "wrong-password" : "account-disabled";
    await audit("failure", { reason });
    return { ok: false, reason: "invalid" };
  }

  await clearAccountFailures(normalized);
  await recordSignIn(user.id);
  const actor = { id: user.id, email: user.email };
  await audit("success", {}, actor);
  return { ok: true, user: actor };
}
