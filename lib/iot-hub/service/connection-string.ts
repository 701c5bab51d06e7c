import { canonicalBase64ByteLength } from "@/lib/dps/validation";
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

const POLICY_NAME = /^[A-Za-z0-9._-]{1,256}$/;
export const HUB_KEY_MIN_BYTES = 16;
export const HUB_KEY_MAX_BYTES = 64;

const FIELDS = {
  hostname: "HostName",
  sharedaccesskeyname: "SharedAccessKeyName",
  sharedaccesskey: "SharedAccessKey",
} as const;
type FieldName = (typeof FIELDS)[keyof typeof FIELDS];

const WHERE = "Azure portal → the IoT hub → Shared access policies → a policy → Primary connection string";

const fail = (message: string): ParsedHubConnection => ({ ok: false, message });

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

/**
 * Splits at the first `=` of each `;`-separated part, since keys end in `=` padding. Names are
 * matched without regard to case, as the SDKs' parsers do.
 */
function fieldsOf(
  text: string,
): { ok: true; value: Map<FieldName, string> } | { ok: false; message: string } {
  const fields = new Map<FieldName, string>();
  for (const part of text.split(";")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0)
      return { ok: false, message: 'The connection string must be name=value pairs separated by ";".' };
    const rawName = item.slice(0, eq).trim();
    const name = FIELDS[rawName.toLowerCase() as keyof typeof FIELDS];
    if (name === undefined) {
      return {
        ok: false,
        message:
          foreignPart(rawName) ??
          `The connection string has an unknown part "${rawName.slice(0, 40)}": only HostName, SharedAccessKeyName and SharedAccessKey belong in it.`,
      };
    }
    if (fields.has(name)) return { ok: false, message: `The connection string names ${name} twice.` };
    fields.set(name, item.slice(eq + 1).trim());
  }
  return { ok: true, value: fields };
}

/** Checks the shape only; whether the hub accepts it, and which rights the policy has, is for a live call. */
export function parseHubConnectionString(input: string): ParsedHubConnection {
  const text = input.trim();
  if (text === "")
    return fail(`Paste the connection string of one of the hub's shared access policies (${WHERE}).`);
  const parsed = fieldsOf(text);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  for (const name of Object.values(FIELDS)) {
    if (!fields.get(name))
      return fail(
        `The connection string has no ${name}: copy the whole Primary connection string (${WHERE}).`,
      );
  }
  const hostName = fields.get("HostName")!.toLowerCase();
  if (/\.azure-devices-provisioning\.(net|cn|us)(:\d+)?$/.test(hostName))
    return fail(
      "This is a DPS connection string: paste the IoT hub's (its HostName is the hub, e.g. my-hub.azure-devices.net).",
    );
  if (!isValidHubHostname(hostName))
    return fail(
      "HostName must be the hub's host name, e.g. my-hub.azure-devices.net (no scheme, path or port).",
    );
  const policyName = fields.get("SharedAccessKeyName")!;
  if (!POLICY_NAME.test(policyName))
    return fail("SharedAccessKeyName must be the policy's name: letters, digits, . _ and -.");
  const key = fields.get("SharedAccessKey")!;
  const bytes = canonicalBase64ByteLength(key);
  if (bytes === null) return fail("SharedAccessKey must be standard base64, as the portal shows it.");
  if (bytes < HUB_KEY_MIN_BYTES || bytes > HUB_KEY_MAX_BYTES)
    return fail(
      `SharedAccessKey must decode to ${HUB_KEY_MIN_BYTES}–${HUB_KEY_MAX_BYTES} bytes (it decodes to ${bytes}).`,
    );
  return { ok: true, value: { hostName, policyName, key } };
}
