import { parsePolicyConnectionString } from "@/lib/http/policy-connection-string";
import { isValidHubHostname } from "../hub-addresses";

/**
 * An IoT hub shared access policy's connection string, for the hub's service REST API
 * (docs/iot-hub-protocol.md §3.1): `HostName=<hub>.azure-devices.net;SharedAccessKeyName=<policy>;SharedAccessKey=<base64>`.
 * Browser-safe (no Node built-ins): the form checks a pasted string with the same rules.
 */
export type HubServiceConnection = {
  /** The hub's host name, lower-cased, without a port. */
  hostName: string;
  policyName: string;
  /** Base64, as the portal shows it. */
  key: string;
};

export type ParsedHubConnection = { ok: true; value: HubServiceConnection } | { ok: false; message: string };

export const HUB_KEY_MIN_BYTES = 16;
export const HUB_KEY_MAX_BYTES = 64;

const WHERE = "Azure portal → the IoT hub → Shared access policies → a policy → Primary connection string";

/** Parts that mark another kind of string, each with what to paste instead. */
function foreignPart(name: string): string | null {
  if (/^(deviceid|moduleid)$/i.test(name))
    return "This is a device connection string (it names a DeviceId): paste the connection string of one of the hub's shared access policies.";
  if (/^gatewayhostname$/i.test(name))
    return "This is a device connection string (it names a GatewayHostName): paste the connection string of one of the hub's shared access policies.";
  if (/^sharedaccesssignature$/i.test(name))
    return "This holds a SharedAccessSignature token, not a policy key: paste the policy's connection string, which has SharedAccessKey.";
  if (/^endpoint$/i.test(name))
    return "This looks like an Event Hub-compatible or Service Bus connection string: paste the hub's policy connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…).";
  return null;
}

function checkHubHost(raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const hostName = raw.toLowerCase();
  if (/\.azure-devices-provisioning\.(net|cn|us)(:\d+)?$/.test(hostName))
    return {
      ok: false,
      message:
        "This is a DPS connection string: paste the IoT hub's (its HostName is the hub, e.g. my-hub.azure-devices.net).",
    };
  if (!isValidHubHostname(hostName))
    return {
      ok: false,
      message:
        "HostName must be the hub's host name, e.g. my-hub.azure-devices.net (no scheme, path or port).",
    };
  return { ok: true, value: hostName };
}

/** Checks the shape only; whether the hub accepts it, and which rights the policy has, is for a live call. */
export function parseHubConnectionString(input: string): ParsedHubConnection {
  return parsePolicyConnectionString(input, {
    empty: `Paste the connection string of one of the hub's shared access policies (${WHERE}).`,
    where: WHERE,
    malformed: () => 'The connection string must be name=value pairs separated by ";".',
    foreignPart,
    checkHost: checkHubHost,
    keyBytes: { min: HUB_KEY_MIN_BYTES, max: HUB_KEY_MAX_BYTES },
  });
}
