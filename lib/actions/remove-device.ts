"use server";

import { revalidatePath } from "next/cache";
import { deviceIdSchema } from "@/lib/validation/device";
import { removeDevice } from "@/lib/devices/devices-dal";
import { runAction } from "./run-action";

export async function removeDeviceAction(input: unknown) {
  return runAction("device.remove", deviceIdSchema, input, async ({ deviceId }) => {
    const device = await removeDevice(deviceId);
    revalidatePath("/devices");
    return { ok: true, message: `${device.registrationId} was removed from the platform. It stays registered in the Azure DPS enrollment group and in its IoT hub.` };
  });
}
