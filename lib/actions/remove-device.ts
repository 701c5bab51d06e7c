"use server";

import { revalidatePath } from "next/cache";
import { removeDeviceSchema } from "@/lib/validation/registration-records";
import { removeDevice } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function removeDeviceAction(input: unknown) {
  return runAction("device.remove", removeDeviceSchema, input, async ({ deviceId, deleteDpsRecord }) => {
    const removed = await removeDevice(deviceId, { deleteDpsRecord });
    revalidatePath("/devices");
    return { ok: true, message: removed.notice };
  });
}
