"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/auth";
import { signInSchema } from "@/lib/validation/user";
import { lockMessage, retryAtFromCode } from "@/lib/auth/lock-message";
import { invalid, type ActionResult } from "./result";

function safeCallback(url: unknown): string {
  // Only same-site paths: an attacker-supplied absolute URL must not become an open redirect
  // (browsers read "/\evil.example" like "//evil.example").
  return typeof url === "string" &&
    url.startsWith("/") &&
    !url.startsWith("//") &&
    !url.startsWith("/\\") &&
    url.length <= 2000
    ? url
    : "/";
}

export async function signInAction(input: {
  email: string;
  password: string;
  callbackUrl?: string;
}): Promise<ActionResult> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  try {
    await signIn("credentials", {
      ...parsed.data,
      redirectTo: safeCallback((input as { callbackUrl?: unknown }).callbackUrl),
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code ?? "";
      if (code.startsWith("throttled")) return { ok: false, message: lockMessage(retryAtFromCode(code)) };
      if (code === "busy")
        return { ok: false, message: "The server is busy checking other sign-ins. Try again in a moment." };
      return { ok: false, message: "Wrong email or password." };
    }
    throw error; // the redirect after a successful sign-in travels as an exception
  }
}
