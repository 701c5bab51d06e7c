"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { deviceIdsSchema } from "@/lib/validation/device";
import { reprovisionDevices } from "@/lib/devices/devices-dal";
import { runAction } from "./run-action";

const schema = z.union([deviceIdsSchema.extend({ retry: z.boolean().optional() }), z.object({ all: z.literal(true) })]);

export async function reprovisionDevicesAction(input: unknown) {
  return runAction("devices.reprovision", schema, input, async (data) => {
    const selection = "all" in data ? { all: true as const } : { deviceIds: data.deviceIds };
    const result = await reprovisionDevices(selection, "retry" in data && data.retry ? "retry" : "reprovision");
    revalidatePath("/devices", "layout");
    if (result.inline) {
      const outcome = result.inline;
      const message = outcome.kind === "assigned" && outcome.hub ? `Provisioned onto ${outcome.hub}.` : outcome.message;
      return outcome.kind === "assigned" || outcome.kind === "deferred" ? { ok: true, message } : { ok: false, message };
    }
    return { ok: true, message: `${result.queued.toLocaleString("en")} devices queued for re-provisioning.` };
  });
}

