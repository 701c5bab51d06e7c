import { createHmac, timingSafeEqual } from "node:crypto";
import { safeDecode, type SasFields } from "../sas";

/**
 * Service API tokens (docs/dps-protocol.md §8.1): `SharedAccessSignature sr=<host>&sig=…&se=…&skn=<policy>`,
 * signed with the base64-decoded policy key over `<sr as sent>\n<se>`. The client URL-encodes `sr`
 * (upper-case hex), as Azure's documentation does; the official Node SDK sends the host raw, which
 * only differs when the host carries a port.
 */

function sign(keyBase64: string, signedResource: string, expiry: number): string {
  return createHmac("sha256", Buffer.from(keyBase64, "base64"))
    .update(`${signedResource}\n${expiry}`, "utf8")
    .digest("base64");
}

export function createServiceSasToken(
  connection: { host: string; policyName: string; key: string },
  expiresAtEpochSeconds: number,
): string {
  const sr = encodeURIComponent(connection.host);
  const sig = encodeURIComponent(sign(connection.key, sr, expiresAtEpochSeconds));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiresAtEpochSeconds}&skn=${encodeURIComponent(connection.policyName)}`;
}

export type ServicePolicyKeys = { name: string; keys: readonly string[] };

export type ServiceSasCheck =
  | { ok: true; policyName: string }
  | { ok: false; reason: "malformed" | "expired" | "wrong-resource" | "unknown-policy" | "bad-signature" };

/**
 * Verifies a service token against the policies of one instance. `hosts` are the names the token may
 * be scoped to (compared case-insensitively with the decoded `sr`); the HMAC covers `sr` as sent.
 */
export function verifyServiceSasToken(
  fields: SasFields,
  expected: { hosts: readonly string[]; policies: readonly ServicePolicyKeys[]; nowEpochSeconds: number },
): ServiceSasCheck {
  if (!/^\d{1,12}$/.test(fields.se)) return { ok: false, reason: "malformed" };
  if (Number(fields.se) <= expected.nowEpochSeconds) return { ok: false, reason: "expired" };
  const resource = safeDecode(fields.sr);
  const sig = safeDecode(fields.sig);
  const policyName = safeDecode(fields.skn);
  if (resource === null || sig === null || policyName === null) return { ok: false, reason: "malformed" };
  if (!expected.hosts.some((host) => host.toLowerCase() === resource.toLowerCase()))
    return { ok: false, reason: "wrong-resource" };
  const policy = expected.policies.find(
    (candidate) => candidate.name.toLowerCase() === policyName.toLowerCase(),
  );
  if (policy === undefined) return { ok: false, reason: "unknown-policy" };
  const given = Buffer.from(sig, "base64");
  for (const key of policy.keys) {
    const computed = Buffer.from(sign(key, fields.sr, Number(fields.se)), "base64");
    if (computed.length === given.length && timingSafeEqual(computed, given))
      return { ok: true, policyName: policy.name };
  }
  return { ok: false, reason: "bad-signature" };
}
