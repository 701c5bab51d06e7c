"use server";

import { removeDeviceSchema } from "@/lib/validation/device-removal";
import { removeDevice } from "@/lib/devices/device-removal-dal";
import { removeAndRevalidate } from "./removal-revalidation";
import { runAction } from "./run-action";

export async function removeDeviceAction(input: unknown) {
  return runAction("device.remove", removeDeviceSchema, input, ({ deviceId, ...options }) =>
    removeAndRevalidate(deviceId, () => removeDevice(deviceId, options)),
  );
}
