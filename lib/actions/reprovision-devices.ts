"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { deviceIdsSchema } from "@/lib/validation/device";
import {
  reprovisionDevices,
  reprovisionIntent,
  type ReprovisionSelection,
  type ReprovisionTrigger,
} from "@/lib/devices/device-provisioning-dal";
import { runAction } from "./run-action";

const schema = z.union([
  deviceIdsSchema.extend({ retry: z.boolean().optional() }),
  z.object({ all: z.literal(true) }),
]);

const selectionOf = (data: z.output<typeof schema>): ReprovisionSelection =>
  "all" in data ? { all: true } : { deviceIds: data.deviceIds };
const triggerOf = (data: z.output<typeof schema>): ReprovisionTrigger =>
  "retry" in data && data.retry ? "retry" : "reprovision";

export async function reprovisionDevicesAction(input: unknown) {
  return runAction(
    (data) => reprovisionIntent(selectionOf(data), triggerOf(data)),
    schema,
    input,
    async (data) => {
      const result = await reprovisionDevices(selectionOf(data), triggerOf(data));
      revalidatePath("/devices", "layout");
      if (result.inline) {
        const outcome = result.inline;
        const message =
          outcome.kind === "assigned" && outcome.hub ? `Provisioned onto ${outcome.hub}.` : outcome.message;
        return outcome.kind === "assigned" || outcome.kind === "deferred"
          ? { ok: true, message }
          : { ok: false, message };
      }
      return {
        ok: true,
        message: `${result.queued.toLocaleString("en")} devices queued for re-provisioning.`,
      };
    },
  );
}
