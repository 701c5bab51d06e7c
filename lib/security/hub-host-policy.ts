import { env, type Env } from "@/lib/env";
import { hasHubAddressRule, isValidHubHostname } from "@/lib/iot-hub/hub-addresses";

export type HubHostSettings = Pick<Env, "HIC_IOT_HUB_ADDRESSES">;

/**
 * Which hubs the engine may connect to as a device (sending a SAS token signed with the device's
 * key). The hub's name comes from DPS's answer, so this is the same guard as the DPS host policy
 * one step further: Azure's IoT Hub domains in the public and sovereign clouds, and any hub the
 * operator pointed somewhere on purpose with HIC_IOT_HUB_ADDRESSES (the launcher does so for the
 * local IoT Hub).
 */
export const AZURE_IOT_HUB_DOMAINS = [
  "azure-devices.net", // Azure public cloud
  "azure-devices.cn", // Azure operated by 21Vianet (China)
  "azure-devices.us", // Azure Government (US)
] as const;

export function isHubHostAllowed(hubHost: string, settings: HubHostSettings = env()): boolean {
  const name = hubHost.trim().toLowerCase();
  if (!isValidHubHostname(name)) return false;
  if (AZURE_IOT_HUB_DOMAINS.some((domain) => name.endsWith(`.${domain}`))) return true;
  return hasHubAddressRule(name, settings.HIC_IOT_HUB_ADDRESSES);
}

export function hubHostRefusal(hubHost: string, settings: HubHostSettings = env()): string | null {
  if (isHubHostAllowed(hubHost, settings)) return null;
  return `This server only connects to Azure IoT hubs (*.azure-devices.net, .cn or .us) and hubs named in HIC_IOT_HUB_ADDRESSES; DPS assigned ${hubHost}, so the server's administrator must add a rule for it to HIC_IOT_HUB_ADDRESSES.`;
}
