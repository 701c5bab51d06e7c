"use server";

import { revalidatePath } from "next/cache";
import { incompleteRemovalSchema } from "@/lib/validation/device-removal";
import { keepDevice } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

/** Gives up an incomplete removal: the device stays. */
export async function keepDeviceAction(input: unknown) {
  return runAction("device.keep", incompleteRemovalSchema, input, async ({ deviceId }) => {
    const kept = await keepDevice(deviceId);
    revalidatePath(`/devices/${deviceId}`);
    revalidatePath("/devices");
    return { ok: true, message: `${kept.registrationId} stays in the platform; its removal was given up.` };
  });
}
