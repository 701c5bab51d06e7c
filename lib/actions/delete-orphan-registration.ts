"use server";

import { revalidatePath } from "next/cache";
import { deleteOrphanSchema } from "@/lib/validation/registration-records";
import { deleteOrphanRegistration } from "@/lib/registrations/registrations-dal";
import { runAction } from "./run-action";

export async function deleteOrphanRegistrationAction(input: unknown) {
  return runAction("registration.delete", deleteOrphanSchema, input, async (data) => {
    const { registrationId, hub, alreadyGone } = await deleteOrphanRegistration(data);
    revalidatePath("/admin/hyperscaler-integration-center/registration-records");
    const done = alreadyGone
      ? `Azure DPS had no registration record for ${registrationId} any more.`
      : `The registration record of ${registrationId} was deleted from Azure DPS.`;
    return {
      ok: true,
      message: `${done} Its device identity stays in ${hub ? `the IoT hub ${hub}` : "its IoT hub"}.`,
    };
  });
}
