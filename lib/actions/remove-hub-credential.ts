"use server";

import { revalidatePath } from "next/cache";
import { removeHubCredential } from "@/lib/hubs/hub-credentials-dal";
import { removeHubCredentialSchema } from "@/lib/validation/hub-credential";
import { runAction } from "./run-action";

export async function removeHubCredentialAction(input: unknown) {
  return runAction("hub-credential.remove", removeHubCredentialSchema, input, async (data) => {
    const { removed } = await removeHubCredential(data);
    revalidatePath("/admin/hyperscaler-integration-center");
    return removed
      ? { ok: true, message: `Removed the connection string for ${data.hubHost}.` }
      : { ok: false, message: `No connection string was saved for ${data.hubHost}.` };
  });
}
