"use server";

import { revalidatePath } from "next/cache";
import { removeDeviceSchema } from "@/lib/validation/device-removal";
import { removeDevice } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function removeDeviceAction(input: unknown) {
  return runAction("device.remove", removeDeviceSchema, input, async ({ deviceId, ...options }) => {
    try {
      const removed = await removeDevice(deviceId, options);
      return { ok: true, message: removed.notice };
    } finally {
      // Removed or marked "removal incomplete": both pages show something new.
      revalidatePath("/devices");
      revalidatePath(`/devices/${deviceId}`);
    }
  });
}
