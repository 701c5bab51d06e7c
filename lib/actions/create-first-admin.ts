"use server";

import { headers } from "next/headers";
import { firstAdminSchema } from "@/lib/validation/user";
import { createFirstAdmin } from "@/lib/users/store";
import { recordAudit } from "@/lib/audit/record";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { invalid, type ActionResult } from "./result";

/** Open to anyone, but only while no account exists; afterwards it refuses. */
export async function createFirstAdminAction(input: unknown): Promise<ActionResult> {
  const parsed = firstAdminSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const user = await createFirstAdmin(parsed.data);
  const clientAddress = clientAddressFrom(await headers());
  if (!user) {
    await recordAudit({ action: "setup.first-admin", target: parsed.data.email, outcome: "denied", detail: { reason: "users already exist" }, clientAddress });
    return { ok: false, message: "An administrator already exists. Sign in instead." };
  }
  await recordAudit({ actor: user, action: "setup.first-admin", target: user.email, outcome: "success", clientAddress });
  return { ok: true, message: "Administrator created. Sign in with the new account." };
}
