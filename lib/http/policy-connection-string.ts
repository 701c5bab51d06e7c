import { canonicalBase64ByteLength, type Checked } from "@/lib/validation/checked";

/**
 * A shared access policy's connection string, as both Azure service APIs (DPS, IoT Hub) take it:
 * `HostName=<host>;SharedAccessKeyName=<policy>;SharedAccessKey=<base64>`. The parse is the same for
 * both; what differs (the host's rules, what another kind of string is called, where the portal
 * shows the right one) is each caller's. Browser-safe (no Node built-ins): the forms check a pasted
 * string with it.
 */
export type PolicyConnectionFields = { hostName: string; policyName: string; key: string };

export type PolicyConnectionRules = {
  /** Said when nothing was pasted. */
  empty: string;
  /** Where the portal shows the whole string, for a string that lacks a part. */
  where: string;
  /** Said for a part without `name=`. */
  malformed(item: string): string;
  /** What to paste instead when a part marks another kind of string; null for any other unknown part. */
  foreignPart(name: string): string | null;
  /** The host as pasted; its value is what the caller keeps. */
  checkHost(hostName: string): Checked<string>;
  keyBytes: { min: number; max: number };
};

const POLICY_NAME = /^[A-Za-z0-9._-]{1,256}$/;

const FIELDS = {
  hostname: "HostName",
  sharedaccesskeyname: "SharedAccessKeyName",
  sharedaccesskey: "SharedAccessKey",
} as const;
type FieldName = (typeof FIELDS)[keyof typeof FIELDS];

const fail = (message: string): Checked<never> => ({ ok: false, message });

/**
 * Splits at the first `=` of each `;`-separated part, since keys end in `=` padding. Names are
 * matched without regard to case, as the portal's and the SDKs' parsers do in practice.
 */
function fieldsOf(text: string, rules: PolicyConnectionRules): Checked<Map<FieldName, string>> {
  const fields = new Map<FieldName, string>();
  for (const part of text.split(";")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) return fail(rules.malformed(item));
    const rawName = item.slice(0, eq).trim();
    const name = FIELDS[rawName.toLowerCase() as keyof typeof FIELDS];
    if (name === undefined) {
      return fail(
        rules.foreignPart(rawName) ??
          `The connection string has an unknown part "${rawName.slice(0, 40)}": only HostName, SharedAccessKeyName and SharedAccessKey belong in it.`,
      );
    }
    if (fields.has(name)) return fail(`The connection string names ${name} twice.`);
    fields.set(name, item.slice(eq + 1).trim());
  }
  return { ok: true, value: fields };
}

/** Checks the shape only; whether the service accepts it, and which rights the policy has, is for a live call. */
export function parsePolicyConnectionString(
  input: string,
  rules: PolicyConnectionRules,
): Checked<PolicyConnectionFields> {
  const text = input.trim();
  if (text === "") return fail(rules.empty);
  const parsed = fieldsOf(text, rules);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  for (const name of Object.values(FIELDS)) {
    if (!fields.get(name))
      return fail(
        `The connection string has no ${name}: copy the whole Primary connection string (${rules.where}).`,
      );
  }
  const host = rules.checkHost(fields.get("HostName")!);
  if (!host.ok) return host;
  const policyName = fields.get("SharedAccessKeyName")!;
  if (!POLICY_NAME.test(policyName))
    return fail("SharedAccessKeyName must be the policy's name: letters, digits, . _ and -.");
  const key = fields.get("SharedAccessKey")!;
  const bytes = canonicalBase64ByteLength(key);
  if (bytes === null) return fail("SharedAccessKey must be standard base64, as the portal shows it.");
  const { min, max } = rules.keyBytes;
  if (bytes < min || bytes > max)
    return fail(`SharedAccessKey must decode to ${min}–${max} bytes (it decodes to ${bytes}).`);
  return { ok: true, value: { hostName: host.value, policyName, key } };
}
