"use server";

import { headers } from "next/headers";
import { AuthError } from "next-auth";
import { signIn } from "@/auth";
import { firstAdminSchema } from "@/lib/validation/user";
import { setUpFirstAdministrator } from "@/lib/users/users-dal";
import { clientAddressFrom } from "@/lib/auth/client-address";
import { invalid, type ActionResult } from "./result";

/**
 * Open to anyone, but only while no account exists; afterwards it refuses. On success it signs the
 * new administrator in (through the same credentials check as the sign-in page, so it is audited
 * and throttled alike) and redirects to the start page; if that sign-in fails, the result says so
 * and the form sends them to the sign-in page.
 */
export async function createFirstAdminAction(input: unknown): Promise<ActionResult> {
  const parsed = firstAdminSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const user = await setUpFirstAdministrator(parsed.data, clientAddressFrom(await headers()));
  if (!user) return { ok: false, message: "An administrator already exists. Sign in instead." };
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
