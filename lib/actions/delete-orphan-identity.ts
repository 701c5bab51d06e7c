"use server";

import { revalidatePath } from "next/cache";
import { deleteOrphanIdentitySchema } from "@/lib/validation/hub-drift";
import { deleteOrphanIdentity } from "@/lib/hubs/drift/hub-drift-dal";
import { runAction } from "./run-action";

export async function deleteOrphanIdentityAction(input: unknown) {
  return runAction("hub-identity.delete", deleteOrphanIdentitySchema, input, async (data) => {
    const { hubHost, deviceId, alreadyGone } = await deleteOrphanIdentity(data);
    revalidatePath("/admin/hyperscaler-integration-center/hub-drift");
    return {
      ok: true,
      message: alreadyGone
        ? `${hubHost} had no identity ${deviceId} any more.`
        : `The identity ${deviceId} was deleted from ${hubHost}.`,
    };
  });
}
