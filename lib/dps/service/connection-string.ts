import { canonicalBase64ByteLength, validateDpsHost, type Checked } from "../validation";

/**
 * A DPS shared access policy's connection string, for the service API (docs/dps-protocol.md §8):
 * `HostName=<instance>.azure-devices-provisioning.net;SharedAccessKeyName=<policy>;SharedAccessKey=<base64>`.
 * Browser-safe (no Node built-ins): the connect form checks its shape with the same rules.
 */
export type ServiceConnection = {
  /** The instance's own host (`host` or `host:port`), lower-cased; never the global device endpoint. */
  host: string;
  policyName: string;
  /** Base64, as the portal shows it. */
  key: string;
};

const GLOBAL_DEVICE_ENDPOINT = "global.azure-devices-provisioning.net";
const POLICY_NAME = /^[A-Za-z0-9._-]{1,256}$/;
export const SERVICE_KEY_MIN_BYTES = 16;
export const SERVICE_KEY_MAX_BYTES = 64;

const FIELDS = {
  hostname: "HostName",
  sharedaccesskeyname: "SharedAccessKeyName",
  sharedaccesskey: "SharedAccessKey",
} as const;
type FieldName = (typeof FIELDS)[keyof typeof FIELDS];

const fail = (message: string): Checked<never> => ({ ok: false, message });

const WHERE =
  "Azure portal → the DPS instance → Shared access policies → a policy → Primary connection string";

/**
 * Splits at the first `=` of each `;`-separated part, since keys end in `=` padding. Names are
 * matched without regard to case, as the portal's and the SDKs' parsers do in practice.
 */
function fieldsOf(text: string): Checked<Map<FieldName, string>> {
  const fields = new Map<FieldName, string>();
  for (const part of text.split(";")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0)
      return fail(
        `The connection string must be name=value pairs separated by ";" (found "${item.slice(0, 20)}").`,
      );
    const rawName = item.slice(0, eq).trim();
    const name = FIELDS[rawName.toLowerCase() as keyof typeof FIELDS];
    if (name === undefined) {
      if (/^deviceid$/i.test(rawName))
        return fail(
          "This is a device connection string: paste the connection string of the DPS instance's shared access policy.",
        );
      if (/^endpoint$/i.test(rawName))
        return fail(
          "This is not a DPS connection string: it should start with HostName=…;SharedAccessKeyName=….",
        );
      return fail(
        `The connection string has an unknown part "${rawName.slice(0, 40)}": only HostName, SharedAccessKeyName and SharedAccessKey belong in it.`,
      );
    }
    if (fields.has(name)) return fail(`The connection string names ${name} twice.`);
    fields.set(name, item.slice(eq + 1).trim());
  }
  return { ok: true, value: fields };
}

/** Checks the shape only; whether DPS accepts it, and which rights the policy has, is for a live call. */
export function parseServiceConnectionString(input: string): Checked<ServiceConnection> {
  const text = input.trim();
  if (text === "") return fail(`Paste the connection string of a shared access policy (${WHERE}).`);
  const parsed = fieldsOf(text);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  for (const name of Object.values(FIELDS)) {
    if (!fields.get(name))
      return fail(
        `The connection string has no ${name}: copy the whole Primary connection string (${WHERE}).`,
      );
  }
  const host = validateDpsHost(fields.get("HostName")!);
  if (!host.ok) return fail(`HostName: ${host.message}`);
  if (host.value === GLOBAL_DEVICE_ENDPOINT) {
    return fail(
      `${GLOBAL_DEVICE_ENDPOINT} is the devices' endpoint; the service API answers at the instance's own host name, e.g. my-dps.azure-devices-provisioning.net.`,
    );
  }
  if (/\.azure-devices\.net(?::\d+)?$/.test(host.value)) {
    return fail(
      "This is an IoT hub's connection string: paste the DPS instance's (its HostName ends in .azure-devices-provisioning.net).",
    );
  }
  const policyName = fields.get("SharedAccessKeyName")!;
  if (!POLICY_NAME.test(policyName))
    return fail("SharedAccessKeyName must be the policy's name: letters, digits, . _ and -.");
  const key = fields.get("SharedAccessKey")!;
  const bytes = canonicalBase64ByteLength(key);
  if (bytes === null) return fail("SharedAccessKey must be standard base64, as the portal shows it.");
  if (bytes < SERVICE_KEY_MIN_BYTES || bytes > SERVICE_KEY_MAX_BYTES) {
    return fail(
      `SharedAccessKey must decode to ${SERVICE_KEY_MIN_BYTES}–${SERVICE_KEY_MAX_BYTES} bytes (it decodes to ${bytes}).`,
    );
  }
  return { ok: true, value: { host: host.value, policyName, key } };
}

export function formatServiceConnectionString(connection: ServiceConnection): string {
  return `HostName=${connection.host};SharedAccessKeyName=${connection.policyName};SharedAccessKey=${connection.key}`;
}
