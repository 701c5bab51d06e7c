"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { requestReconciliation } from "@/lib/registrations/registrations-dal";
import { runAction } from "./run-action";

export async function reconcileRegistrationsAction(input: unknown) {
  return runAction("registrations.reconcile", z.object({}), input ?? {}, async () => {
    const { created } = await requestReconciliation();
    revalidatePath("/admin/hyperscaler-integration-center/registration-records");
    return { ok: true, message: created ? "Reconciliation started: DPS's registration records are being read." : "A reconciliation is already under way." };
  });
}
