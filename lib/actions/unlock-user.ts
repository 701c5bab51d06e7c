"use server";

import { revalidatePath } from "next/cache";
import { userIdSchema } from "@/lib/validation/user";
import { unlockUser } from "@/lib/users/users-dal";
import { runAction } from "./run-action";

export async function unlockUserAction(input: unknown) {
  return runAction("user.unlock", userIdSchema, input, async ({ userId }) => {
    const { user, wasLocked } = await unlockUser(userId);
    revalidatePath("/admin/users");
    return {
      ok: true,
      message: wasLocked
        ? `${user.email} is unlocked and can sign in again.`
        : `${user.email} was not locked.`,
    };
  });
}
