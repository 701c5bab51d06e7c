"use server";

import { revalidatePath } from "next/cache";
import { dpsIntegrationSchema } from "@/lib/integrations/azure-dps/schema";
import { saveDpsIntegration, saveDpsIntegrationIntent } from "@/lib/integrations/azure-dps/integration-dal";
import { runAction } from "./run-action";

export async function saveDpsIntegrationAction(input: unknown) {
  return runAction(saveDpsIntegrationIntent, dpsIntegrationSchema, input, async (data) => {
    const { newlyConnected, provisioningStarted } = await saveDpsIntegration(data);
    revalidatePath("/admin/hyperscaler-integration-center");
    const saved = newlyConnected ? "Azure DPS is connected." : "Azure DPS settings saved.";
    return {
      ok: true,
      message: provisioningStarted
        ? `${saved} Devices not yet on a hub are being provisioned.`
        : `${saved} Provisioning could not be started now; see the server log.`,
    };
  });
}
