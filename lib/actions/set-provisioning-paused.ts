"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { provisioningPausedIntent, setProvisioningPaused } from "@/lib/devices/device-provisioning-dal";
import { runAction } from "./run-action";

export async function setProvisioningPausedAction(input: unknown) {
  return runAction(
    ({ paused }) => provisioningPausedIntent(paused),
    z.object({ paused: z.boolean() }),
    input,
    async ({ paused }) => {
      await setProvisioningPaused(paused);
      revalidatePath("/devices");
      return {
        ok: true,
        message: paused
          ? "Provisioning paused. Queued work waits until you resume."
          : "Provisioning resumed.",
      };
    },
  );
}
