"use server";

import { headers } from "next/headers";
import { AuthError } from "next-auth";
import { signIn } from "@/auth";
import { firstAdminSchema } from "@/lib/validation/user";
import { createFirstAdmin } from "@/lib/users/store";
import { recordAudit } from "@/lib/audit/record";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { PasswordCheckBusyError } from "@/lib/auth/argon2-gate";
import { waitMessage } from "@/lib/auth/lock-message";
import { takeSetupSlot } from "@/lib/auth/throttle";
import { invalid, type ActionResult } from "./result";

/**
 * Open to anyone, but only while no account exists; afterwards it refuses. On success it signs the
 * new administrator in (through the same credentials check as the sign-in page, so it is audited
 * and throttled alike) and redirects to the start page; if that sign-in fails, the result says so
 * and the form sends them to the sign-in page. Each address gets a few tries, then waits, like a
 * sign-in: every try may cost an Argon2 hash.
 */
export async function createFirstAdminAction(input: unknown): Promise<ActionResult> {
  const parsed = firstAdminSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const clientAddress = clientAddressFrom(await headers());
  const slot = await takeSetupSlot(clientAddress);
  if (!slot.allowed) {
    await recordAudit({
      action: "setup.first-admin",
      target: parsed.data.email,
      outcome: "denied",
      detail: { reason: "throttled", retryAt: slot.retryAt.toISOString() },
      clientAddress,
    });
    return { ok: false, message: `Too many attempts from your network. ${waitMessage(slot.retryAt)}` };
  }
  let user: Awaited<ReturnType<typeof createFirstAdmin>>;
  try {
    user = await createFirstAdmin(parsed.data);
  } catch (error) {
    if (error instanceof PasswordCheckBusyError) return { ok: false, message: error.message };
    throw error;
  }
  if (!user) {
    await recordAudit({
      action: "setup.first-admin",
      target: parsed.data.email,
      outcome: "denied",
      detail: { reason: "users already exist" },
      clientAddress,
    });
    return { ok: false, message: "An administrator already exists. Sign in instead." };
  }
  await recordAudit({
    actor: user,
    action: "setup.first-admin",
    target: user.email,
    outcome: "success",
    clientAddress,
  });
  try {
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: "/",
    });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error; // the redirect after a successful sign-in travels as an exception
  }
  return { ok: true, message: "Administrator created. Sign in with the new account." };
}
