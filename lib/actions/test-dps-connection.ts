"use server";

import { revalidatePath } from "next/cache";
import { testDpsConnectionSchema } from "@/lib/integrations/azure-dps/schema";
import { testDpsConnection, type ConnectionTestDto } from "@/lib/integrations/azure-dps/integration-dal";
import { runAction } from "./run-action";

/** Answers `ok: true` whenever the test ran; `data.accepted` says whether DPS accepted the credentials. */
export async function testDpsConnectionAction(input: unknown) {
  return runAction<typeof testDpsConnectionSchema, ConnectionTestDto>("integration.test", testDpsConnectionSchema, input, async (data) => {
    const result = await testDpsConnection(data);
    if (result.recordedOnTile) revalidatePath("/admin/hyperscaler-integration-center");
    return { ok: true, message: result.explanation.title, data: result };
  });
}
