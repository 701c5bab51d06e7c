"use server";

import { revalidatePath } from "next/cache";
import { checkHubSchema } from "@/lib/validation/device";
import { checkHubConnection } from "@/lib/devices/device-provisioning-dal";
import { runAction } from "./run-action";

export async function checkHubConnectionAction(input: unknown) {
  return runAction("device.check-hub", checkHubSchema, input, async ({ deviceId }) => {
    const result = await checkHubConnection(deviceId);
    revalidatePath(`/devices/${deviceId}`);
    return { ok: result.connected, message: result.message };
  });
}
