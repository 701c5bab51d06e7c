import "server-only";
import { headers } from "next/headers";
import { requireSignedIn } from "@/lib/auth/current-user";
import { authenticate } from "@/lib/auth/authenticate";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { lockMessage } from "@/lib/auth/lock-message";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { endUserSessions, setUserPassword } from "./store";

/**
 * A signed-in user changes their own password. The current password is checked like a sign-in
 * (same throttle, so a stolen session cannot be used to guess it); every session ends, this one too.
 */
export async function changeOwnPassword(input: {
  currentPassword: string;
  newPassword: string;
}): Promise<{ email: string }> {
  const me = await requireSignedIn();
  const clientAddress = clientAddressFrom(await headers());
  const check = await authenticate(me.email, input.currentPassword, clientAddress, "confirm-password");
  if (!check.ok) {
    const message =
      check.reason === "throttled"
        ? lockMessage(check.retryAt)
        : check.reason === "busy"
          ? "The server is busy checking other passwords. Try again in a moment."
          : "The current password is not right.";
    await recordAudit({
      actor: me,
      action: "user.change-password",
      target: me.email,
      outcome: "failure",
      detail: { reason: check.reason },
      clientAddress,
    });
    throw new UserFacingError(message, { currentPassword: [message] });
  }
  await setUserPassword(me.id, input.newPassword);
  await recordAudit({
    actor: me,
    action: "user.change-password",
    target: me.email,
    outcome: "success",
    detail: { sessionsEnded: true },
    clientAddress,
  });
  return { email: me.email };
}

/** "Sign out everywhere": every session of the signed-in user ends, this one included. */
export async function endOwnSessions(): Promise<void> {
  const me = await requireSignedIn();
  await endUserSessions(me.id);
  await recordAudit({
    actor: me,
    action: "user.end-sessions",
    target: me.email,
    outcome: "success",
    detail: { self: true },
    clientAddress: clientAddressFrom(await headers()),
  });
}
