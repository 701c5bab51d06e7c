"use server";

import { revalidatePath } from "next/cache";
import { incompleteRemovalSchema } from "@/lib/validation/device-removal";
import { retryRemoval } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function retryRemovalAction(input: unknown) {
  return runAction("device.retry-removal", incompleteRemovalSchema, input, async ({ deviceId }) => {
    try {
      const removed = await retryRemoval(deviceId);
      return { ok: true, message: removed.notice };
    } finally {
      revalidatePath("/devices");
      revalidatePath(`/devices/${deviceId}`);
    }
  });
}
