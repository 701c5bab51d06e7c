import { hubCredentialKeyContext, integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import type { IntegrationProvider } from "../provider";

const ID = "azure-dps";

/**
 * The enrollment group keys are stored in two slots, so a key rotation can run without downtime; the
 * optional service API policy key in a third.
 */
export type DpsKeySlot = "primary" | "secondary" | "service";

export function dpsKeyContext(slot: DpsKeySlot): string {
  return integrationKeyContext(ID, slot);
}

/** Azure IoT Hub Device Provisioning Service: settings in the `integrations` row `azure-dps`. */
export const azureDps = {
  id: ID,
  name: "Azure DPS",
  description: "Azure IoT Hub Device Provisioning Service",
  storedSecrets: [
    ...(["primary", "secondary", "service"] as const).map((slot) => ({
      table: "integrations",
      idColumn: "id",
      column: `${slot}_key_ciphertext`,
      context: (id: string) => integrationKeyContext(id, slot),
    })),
    // The linked hubs' policy keys (lib/hubs), saved on this provider's tile.
    {
      table: "hub_credentials",
      idColumn: "hub_host",
      column: "key_ciphertext",
      context: hubCredentialKeyContext,
    },
  ],
} as const satisfies IntegrationProvider;
