"use server";

import { revalidatePath } from "next/cache";
import { removeDevicesSchema } from "@/lib/validation/device-removal";
import { removeDevices } from "@/lib/devices/device-removal-dal";
import { REMOVAL_CHOICE_PHRASES } from "@/lib/devices/removal-dto";
import { runAction } from "./run-action";

export async function removeDevicesAction(input: unknown) {
  return runAction("devices.remove", removeDevicesSchema, input, async (data) => {
    const { queued } = await removeDevices(data);
    revalidatePath("/devices");
    return {
      ok: true,
      message: `Removing ${queued} ${queued === 1 ? "device" : "devices"} ${REMOVAL_CHOICE_PHRASES[data.choice]}. A device whose removal cannot finish stays, marked "removal incomplete"; each outcome goes to the audit log.`,
    };
  });
}
