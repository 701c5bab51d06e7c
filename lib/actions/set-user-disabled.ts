"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userIdSchema } from "@/lib/validation/user";
import { changeUserDisabled, userDisabledIntent } from "@/lib/users/users-dal";
import { runAction } from "./run-action";

const schema = userIdSchema.extend({ disabled: z.boolean() });

export async function setUserDisabledAction(input: unknown) {
  return runAction(
    ({ disabled }) => userDisabledIntent(disabled),
    schema,
    input,
    async ({ userId, disabled }) => {
      const user = await changeUserDisabled(userId, disabled);
      revalidatePath("/admin/users");
      return {
        ok: true,
        message: `${user.email} is ${disabled ? "disabled and signed out" : "enabled again"}.`,
      };
    },
  );
}
