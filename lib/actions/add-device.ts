"use server";

import { revalidatePath } from "next/cache";
import { newDeviceSchema } from "@/lib/validation/device";
import { addDevice } from "@/lib/devices/devices-dal";
import type { DeviceDetailDto } from "@/lib/devices/device-dto";
import { runAction } from "./run-action";

export async function addDeviceAction(input: unknown) {
  return runAction<typeof newDeviceSchema, DeviceDetailDto>(
    "device.add",
    newDeviceSchema,
    input,
    async (data) => {
      const { device, provisioning } = await addDevice(data);
      revalidatePath("/devices");
      const message =
        device.status === "assigned"
          ? `${device.registrationId} is on ${device.assignedHub}.`
          : provisioning?.kind === "deferred"
            ? `${device.registrationId} was added. ${provisioning.message}`
            : device.status === "pending"
              ? `${device.registrationId} was added. It will be provisioned once Azure DPS is connected.`
              : `${device.registrationId} was added; provisioning status: ${device.status}.`;
      return { ok: true, message, data: device };
    },
  );
}
