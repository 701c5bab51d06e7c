import { env, type Env } from "@/lib/env";
import { hasHubAddressRule, isValidHubHostname } from "@/lib/iot-hub/hub-addresses";

export type HubHostSettings = Pick<Env, "HIC_IOT_HUB_ADDRESSES"> &
  Partial<Pick<Env, "HIC_IOT_HUB_SERVICE_ADDRESSES">>;

/**
 * Which hubs the engine may connect to as a device (sending a SAS token signed with the device's
 * key). The hub's name comes from DPS's answer, so this is the same guard as the DPS host policy
 * one step further: Azure's IoT Hub domains in the public and sovereign clouds, and any hub the
 * operator pointed somewhere on purpose with HIC_IOT_HUB_ADDRESSES or, for the service API (where a
 * policy's SAS token goes), HIC_IOT_HUB_SERVICE_ADDRESSES (the launcher sets both for the local
 * IoT Hub).
 */
export const AZURE_IOT_HUB_DOMAINS = [
  "azure-devices.net", // Azure public cloud
  "azure-devices.cn", // Azure operated by 21Vianet (China)
  "azure-devices.us", // Azure Government (US)
] as const;

/** `device`: the hub check connecting as a device; `service`: the hub's service API with a policy's token. */
export type HubUse = "device" | "service";

export function isHubHostAllowed(
  hubHost: string,
  settings: HubHostSettings = env(),
  use: HubUse = "device",
): boolean {
  const name = hubHost.trim().toLowerCase();
  if (!isValidHubHostname(name)) return false;
  if (AZURE_IOT_HUB_DOMAINS.some((domain) => name.endsWith(`.${domain}`))) return true;
  if (hasHubAddressRule(name, settings.HIC_IOT_HUB_ADDRESSES)) return true;
  return use === "service" && hasHubAddressRule(name, settings.HIC_IOT_HUB_SERVICE_ADDRESSES ?? []);
}

export function hubHostRefusal(
  hubHost: string,
  settings: HubHostSettings = env(),
  use: HubUse = "device",
): string | null {
  if (isHubHostAllowed(hubHost, settings, use)) return null;
  return use === "device"
    ? `This server only connects to Azure IoT hubs (*.azure-devices.net, .cn or .us) and hubs named in HIC_IOT_HUB_ADDRESSES; DPS assigned ${hubHost}, so the server's administrator must add a rule for it to HIC_IOT_HUB_ADDRESSES.`
    : `This server only calls Azure IoT hubs (*.azure-devices.net, .cn or .us) and hubs named in HIC_IOT_HUB_SERVICE_ADDRESSES or HIC_IOT_HUB_ADDRESSES; ${hubHost} is neither, so the server's administrator must add a rule for it to HIC_IOT_HUB_SERVICE_ADDRESSES.`;
}
