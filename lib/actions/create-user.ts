"use server";

import { revalidatePath } from "next/cache";
import { newUserSchema } from "@/lib/validation/user";
import { addUser } from "@/lib/users/users-dal";
import { runAction } from "./run-action";

export async function createUserAction(input: unknown) {
  return runAction("user.create", newUserSchema, input, async (data) => {
    const user = await addUser(data);
    revalidatePath("/admin/users");
    return { ok: true, message: `Created ${user.email}.` };
  });
}
