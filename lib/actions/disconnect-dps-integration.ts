"use server";

import { revalidatePath } from "next/cache";
import { disconnectDpsSchema } from "@/lib/integrations/azure-dps/schema";
import { disconnectDpsIntegration } from "@/lib/integrations/azure-dps/integration-dal";
import { runAction } from "./run-action";

export async function disconnectDpsIntegrationAction(input: unknown) {
  return runAction("integration.disconnect", disconnectDpsSchema, input, async (data) => {
    await disconnectDpsIntegration(data);
    revalidatePath("/admin/hyperscaler-integration-center");
    return {
      ok: true,
      message: "Azure DPS is disconnected: the stored keys are deleted and provisioning has stopped.",
    };
  });
}
