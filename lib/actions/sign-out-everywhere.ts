"use server";

import { signOut } from "@/auth";
import { z } from "zod";
import { endOwnSessions } from "@/lib/users/account-dal";
import { runAction } from "./run-action";

/** Ends every session of the signed-in user, on every device, and returns to the sign-in page. */
export async function signOutEverywhereAction(input: unknown) {
  return runAction("user.end-sessions", z.object({}).strict(), input ?? {}, async () => {
    await endOwnSessions();
    await signOut({ redirectTo: "/sign-in?signed-out=everywhere" });
    return { ok: true };
  });
}
