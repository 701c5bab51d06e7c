"use server";

import { revalidatePath } from "next/cache";
import { saveHubCredential } from "@/lib/hubs/hub-credentials-dal";
import { hubCredentialSchema } from "@/lib/validation/hub-credential";
import { runAction } from "./run-action";

export async function saveHubCredentialAction(input: unknown) {
  return runAction("hub-credential.save", hubCredentialSchema, input, async (data) => {
    const { replaced, rights, rightsError } = await saveHubCredential(data);
    revalidatePath("/admin/hyperscaler-integration-center");
    const saved = `${replaced ? "Replaced" : "Saved"} the connection string for ${data.hubHost}.`;
    return {
      ok: true,
      message: rights
        ? `${saved} Its policy may ${rights.registryWrite ? "read and write" : "read"} the identity registry.`
        : `${saved} Its rights could not be checked now: ${rightsError ?? "no answer"}`,
    };
  });
}
