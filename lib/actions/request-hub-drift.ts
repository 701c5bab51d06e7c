"use server";

import { revalidatePath } from "next/cache";
import { requestHubDriftSchema } from "@/lib/validation/hub-drift";
import { requestHubDrift } from "@/lib/hubs/drift/hub-drift-dal";
import { runAction } from "./run-action";

export async function requestHubDriftAction(input: unknown) {
  return runAction("hubs.drift", requestHubDriftSchema, input, async () => {
    const { created, hubs } = await requestHubDrift();
    revalidatePath("/admin/hyperscaler-integration-center/hub-drift");
    return {
      ok: true,
      message: created
        ? `Drift check started: ${hubs} ${hubs === 1 ? "hub's" : "hubs'"} identities are being read.`
        : "A drift check is already under way.",
    };
  });
}
