"use server";

import { revalidatePath } from "next/cache";
import { userIdSchema } from "@/lib/validation/user";
import { endSessionsOfUser } from "@/lib/users/users-dal";
import { runAction } from "./run-action";

export async function endUserSessionsAction(input: unknown) {
  return runAction("user.end-sessions", userIdSchema, input, async ({ userId }) => {
    const user = await endSessionsOfUser(userId);
    revalidatePath("/admin/users");
    return { ok: true, message: `${user.email} is signed out everywhere.` };
  });
}
