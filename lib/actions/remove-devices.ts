"use server";

import { revalidatePath } from "next/cache";
import { removeDevicesSchema } from "@/lib/validation/registration-records";
import { removeDevices } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function removeDevicesAction(input: unknown) {
  return runAction("devices.remove", removeDevicesSchema, input, async (data) => {
    const { queued } = await removeDevices(data);
    revalidatePath("/devices");
    const what = data.deleteDpsRecords ? " and their registration records in Azure DPS" : "";
    return {
      ok: true,
      message: `Removing ${queued} ${queued === 1 ? "device" : "devices"}${what}. Their device identities stay in their IoT hubs; each outcome goes to the audit log.`,
    };
  });
}
