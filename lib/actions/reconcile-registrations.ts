"use server";

import { revalidatePath } from "next/cache";
import { reconcileSchema } from "@/lib/validation/registration-records";
import { requestReconciliation } from "@/lib/registrations/registrations-dal";
import { runAction } from "./run-action";

export async function reconcileRegistrationsAction(input: unknown) {
  return runAction("registrations.reconcile", reconcileSchema, input, async () => {
    const { created } = await requestReconciliation();
    revalidatePath("/admin/hyperscaler-integration-center/registration-records");
    return {
      ok: true,
      message: created
        ? "Reconciliation started: DPS's registration records are being read."
        : "A reconciliation is already under way.",
    };
  });
}
