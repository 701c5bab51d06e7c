"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/auth";
import { signInSchema } from "@/lib/validation/user";
import { invalid, type ActionResult } from "./result";

function safeCallback(url: unknown): string {
  // Only same-site paths: an attacker-supplied absolute URL must not become an open redirect.
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "/";
}

export async function signInAction(input: { email: string; password: string; callbackUrl?: string }): Promise<ActionResult> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: safeCallback(input.callbackUrl) });
    return { ok: true };
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code;
      return code === "throttled"
        ? { ok: false, message: "Too many failed sign-ins. Wait 15 minutes, then try again." }
        : { ok: false, message: "Wrong email or password." };
    }
    throw error; // the redirect after a successful sign-in travels as an exception
  }
}
