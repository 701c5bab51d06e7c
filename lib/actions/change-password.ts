"use server";

import { signIn } from "@/auth";
import { changePasswordSchema } from "@/lib/validation/user";
import { changeOwnPassword } from "@/lib/users/account-dal";
import { runAction } from "./run-action";

/** Changes the signed-in user's password, which ends all their sessions, then signs them in again with the new one. */
export async function changePasswordAction(input: unknown) {
  return runAction("user.change-password", changePasswordSchema, input, async (data) => {
    const { email } = await changeOwnPassword(data);
    await signIn("credentials", {
      email,
      password: data.newPassword,
      redirectTo: "/account?password-changed=1",
    });
    return { ok: true, message: "Password changed. Other sessions are signed out." };
  });
}
