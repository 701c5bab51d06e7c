"use server";

import { revalidatePath } from "next/cache";
import { testDpsConnectionSchema } from "@/lib/integrations/azure-dps/schema";
import { testDpsConnection, type ConnectionTestDto } from "@/lib/integrations/azure-dps/integration-dal";
import { runAction } from "./run-action";

/** `ok` is whether DPS accepted the credentials; either way `data` carries the explanation to show. */
export async function testDpsConnectionAction(input: unknown) {
  return runAction<typeof testDpsConnectionSchema, ConnectionTestDto>("integration.test", testDpsConnectionSchema, input, async (data) => {
    const result = await testDpsConnection(data);
    if (result.recordedOnTile) revalidatePath("/admin/hyperscaler-integration-center");
    const message = result.explanation.title;
    return result.accepted ? { ok: true, message, data: result } : { ok: false, message, data: result };
  });
}
