"use server";

import { signOut } from "@/auth";
import { getCurrentUser } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";

/** Signs out here; Auth.js's sign-out event (auth.ts) ends the session on the server, so a copy of its cookie stops working too. */
export async function signOutAction(): Promise<void> {
  const user = await getCurrentUser();
  if (user)
    await recordAudit({ actor: user, action: "auth.sign-out", target: user.email, outcome: "success" });
  await signOut({ redirectTo: "/sign-in" });
}
