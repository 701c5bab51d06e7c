"use server";

import { revalidatePath } from "next/cache";
import { setRoleSchema } from "@/lib/validation/user";
import { changeUserRole } from "@/lib/users/users-dal";
import { runAction } from "./run-action";

export async function setUserRoleAction(input: unknown) {
  return runAction("user.set-role", setRoleSchema, input, async ({ userId, role }) => {
    const user = await changeUserRole(userId, role);
    revalidatePath("/admin/users");
    return { ok: true, message: `${user.email} is now ${role}.` };
  });
}
