"use server";

import { revalidatePath } from "next/cache";
import { removeDeviceSchema } from "@/lib/validation/device-removal";
import { removeDevice } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function removeDeviceAction(input: unknown) {
  return runAction("device.remove", removeDeviceSchema, input, async ({ deviceId, ...options }) => {
    try {
      const removed = await removeDevice(deviceId, options);
      revalidatePath("/devices");
      return { ok: true, message: removed.notice };
    } catch (error) {
      // Not removed (marked "removal incomplete"): its page shows why. Once removed, that page is
      // gone and the browser leaves it, so only the list is revalidated then.
      revalidatePath("/devices");
      revalidatePath(`/devices/${deviceId}`);
      throw error;
    }
  });
}
