"use server";

import { incompleteRemovalSchema } from "@/lib/validation/device-removal";
import { retryRemoval } from "@/lib/devices/device-removal-dal";
import { removeAndRevalidate } from "./removal-revalidation";
import { runAction } from "./run-action";

export async function retryRemovalAction(input: unknown) {
  return runAction("device.retry-removal", incompleteRemovalSchema, input, ({ deviceId }) =>
    removeAndRevalidate(deviceId, () => retryRemoval(deviceId)),
  );
}
