"use server";

import { revalidatePath } from "next/cache";
import { incompleteRemovalSchema } from "@/lib/validation/device-removal";
import { retryRemoval } from "@/lib/devices/device-removal-dal";
import { runAction } from "./run-action";

export async function retryRemovalAction(input: unknown) {
  return runAction("device.retry-removal", incompleteRemovalSchema, input, async ({ deviceId }) => {
    try {
      const removed = await retryRemoval(deviceId);
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
