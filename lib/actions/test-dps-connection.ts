"use server";

import { revalidatePath } from "next/cache";
import { testDpsConnectionSchema } from "@/lib/integrations/azure-dps/schema";
import type { ConnectionTestDto } from "@/lib/integrations/azure-dps/connection-test-dto";
import { testDpsConnection } from "@/lib/integrations/azure-dps/integration-dal";
import { runAction } from "./run-action";

/** `ok` is whether DPS accepted the credentials (and the service connection string, when given); either way `data` carries the explanations to show. */
export async function testDpsConnectionAction(input: unknown) {
  return runAction<typeof testDpsConnectionSchema, ConnectionTestDto>(
    "integration.test",
    testDpsConnectionSchema,
    input,
    async (data) => {
      const result = await testDpsConnection(data);
      if (result.recordedOnTile) revalidatePath("/admin/hyperscaler-integration-center");
      const refusedService = result.service && !result.service.accepted ? result.service : null;
      const message = !result.accepted
        ? result.explanation.title
        : (refusedService?.explanation.title ?? result.explanation.title);
      return result.accepted && !refusedService
        ? { ok: true, message, data: result }
        : { ok: false, message, data: result };
    },
  );
}
