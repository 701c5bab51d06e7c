import { parsePolicyConnectionString } from "@/lib/http/policy-connection-string";
import { validateDpsHost, type Checked } from "../validation";

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
export const SERVICE_KEY_MIN_BYTES = 16;
export const SERVICE_KEY_MAX_BYTES = 64;

const fail = (message: string): Checked<never> => ({ ok: false, message });

const WHERE =
  "Azure portal → the DPS instance → Shared access policies → a policy → Primary connection string";

function foreignPart(name: string): string | null {
  if (/^deviceid$/i.test(name))
    return "This is a device connection string: paste the connection string of the DPS instance's shared access policy.";
  if (/^endpoint$/i.test(name))
    return "This is not a DPS connection string: it should start with HostName=…;SharedAccessKeyName=….";
  return null;
}

function checkDpsHost(raw: string): Checked<string> {
  const host = validateDpsHost(raw);
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
  return host;
}

/** Checks the shape only; whether DPS accepts it, and which rights the policy has, is for a live call. */
export function parseServiceConnectionString(input: string): Checked<ServiceConnection> {
  const parsed = parsePolicyConnectionString(input, {
    empty: `Paste the connection string of a shared access policy (${WHERE}).`,
    where: WHERE,
    malformed: (item) =>
      `The connection string must be name=value pairs separated by ";" (found "${item.slice(0, 20)}").`,
    foreignPart,
    checkHost: checkDpsHost,
    keyBytes: { min: SERVICE_KEY_MIN_BYTES, max: SERVICE_KEY_MAX_BYTES },
  });
  if (!parsed.ok) return parsed;
  const { hostName: host, policyName, key } = parsed.value;
  return { ok: true, value: { host, policyName, key } };
}

export function formatServiceConnectionString(connection: ServiceConnection): string {
  return `HostName=${connection.host};SharedAccessKeyName=${connection.policyName};SharedAccessKey=${connection.key}`;
}
