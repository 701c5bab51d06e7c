import type { Env } from "@/lib/env";
import { parseHubAddressRules } from "@/lib/iot-hub/hub-addresses";

/** What the local IoT Hub publishes about itself (the emulator's handle and connection.json's `iotHub`). */
export type LocalIotHubInfo = {
  address: string;
  mqttPort: number;
  /** The service REST API's port (HTTPS); absent in a connection.json written before it was published. */
  httpsPort?: number;
  caFile: string;
  hubs: { hostName: string }[];
};

/**
 * The settings that point the app at the local IoT Hub: every demo hub's hostname mapped to the
 * emulator's MQTT port (hub checks) and to its HTTPS port (the hub's service API), and its CA
 * trusted for hub connections only. Settings the operator gave win (they may point the hubs
 * elsewhere on purpose).
 */
export function localIotHubEnv(
  hub: LocalIotHubInfo,
  given: {
    HIC_IOT_HUB_ADDRESSES?: readonly unknown[];
    HIC_IOT_HUB_SERVICE_ADDRESSES?: readonly unknown[];
    HIC_IOT_HUB_CA_FILE?: string | undefined;
  },
): { HIC_IOT_HUB_ADDRESSES?: string; HIC_IOT_HUB_SERVICE_ADDRESSES?: string; HIC_IOT_HUB_CA_FILE?: string } {
  const address = hub.address.includes(":") ? `[${hub.address}]` : hub.address;
  const rules = (port: number) =>
    hub.hubs.map((entry) => `${entry.hostName.toLowerCase()}=${address}:${port}`).join(",");
  return {
    ...((given.HIC_IOT_HUB_ADDRESSES?.length ?? 0) > 0 ? {} : { HIC_IOT_HUB_ADDRESSES: rules(hub.mqttPort) }),
    ...((given.HIC_IOT_HUB_SERVICE_ADDRESSES?.length ?? 0) > 0 || hub.httpsPort === undefined
      ? {}
      : { HIC_IOT_HUB_SERVICE_ADDRESSES: rules(hub.httpsPort) }),
    ...(given.HIC_IOT_HUB_CA_FILE ? {} : { HIC_IOT_HUB_CA_FILE: hub.caFile }),
  };
}

/** connection.json's `iotHub`, when it is there and well-formed. */
export function readLocalIotHubInfo(connection: unknown): LocalIotHubInfo | null {
  const hub = (connection as { iotHub?: Partial<LocalIotHubInfo> } | null)?.iotHub;
  if (
    !hub ||
    typeof hub.address !== "string" ||
    typeof hub.mqttPort !== "number" ||
    typeof hub.caFile !== "string" ||
    !Array.isArray(hub.hubs)
  )
    return null;
  const hubs = hub.hubs.filter((entry): entry is { hostName: string } => typeof entry?.hostName === "string");
  return {
    address: hub.address,
    mqttPort: hub.mqttPort,
    ...(typeof hub.httpsPort === "number" ? { httpsPort: hub.httpsPort } : {}),
    caFile: hub.caFile,
    hubs,
  };
}

/** The same settings as this process's configuration holds them (parsed), for `setEnv`. */
export function asParsedSettings(
  settings: ReturnType<typeof localIotHubEnv>,
): Partial<Pick<Env, "HIC_IOT_HUB_ADDRESSES" | "HIC_IOT_HUB_SERVICE_ADDRESSES" | "HIC_IOT_HUB_CA_FILE">> {
  return {
    ...(settings.HIC_IOT_HUB_ADDRESSES
      ? { HIC_IOT_HUB_ADDRESSES: parseHubAddressRules(settings.HIC_IOT_HUB_ADDRESSES).rules }
      : {}),
    ...(settings.HIC_IOT_HUB_SERVICE_ADDRESSES
      ? { HIC_IOT_HUB_SERVICE_ADDRESSES: parseHubAddressRules(settings.HIC_IOT_HUB_SERVICE_ADDRESSES).rules }
      : {}),
    ...(settings.HIC_IOT_HUB_CA_FILE ? { HIC_IOT_HUB_CA_FILE: settings.HIC_IOT_HUB_CA_FILE } : {}),
  };
}
