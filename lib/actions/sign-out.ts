"use server";

import { signOut } from "@/auth";
import { getCurrentUser } from "@/lib/auth/current-user";
import { sessionClaims } from "@/lib/auth/session-source";
import { endSession } from "@/lib/auth/ended-sessions";
import { recordAudit } from "@/lib/audit/record";

/** Signs out here and ends this session on the server, so a copy of its cookie stops working too. */
export async function signOutAction(): Promise<void> {
  const user = await getCurrentUser();
  const claims = await sessionClaims();
  if (claims?.sessionId) await endSession(claims.sessionId, claims.expiresAt);
  if (user)
    await recordAudit({ actor: user, action: "auth.sign-out", target: user.email, outcome: "success" });
  await signOut({ redirectTo: "/sign-in" });
}
