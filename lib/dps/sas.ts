import { createHmac, timingSafeEqual } from "node:crypto";

/** DPS accepts only this policy name for device registration tokens. */
export const REGISTRATION_POLICY = "registration";

export function registrationResource(idScope: string, registrationId: string): string {
  return `${idScope}/registrations/${registrationId}`;
}

function sign(deviceKeyBase64: string, signedResource: string, expiry: number): string {
  return createHmac("sha256", Buffer.from(deviceKeyBase64, "base64"))
    .update(`${signedResource}\n${expiry}`, "utf8")
    .digest("base64");
}

/**
 * A DPS registration SAS token. The resource is URL-encoded (upper-case hex) before signing, the
 * form the C# SDK and the Azure docs use, because it survives proxies that re-encode query strings.
 */
export function createSasToken(
  idScope: string,
  registrationId: string,
  deviceKeyBase64: string,
  expiresAtEpochSeconds: number,
): string {
  const sr = encodeURIComponent(registrationResource(idScope, registrationId));
  const sig = encodeURIComponent(sign(deviceKeyBase64, sr, expiresAtEpochSeconds));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiresAtEpochSeconds}&skn=${REGISTRATION_POLICY}`;
}

export type SasFields = { sr: string; sig: string; se: string; skn: string };

/**
 * A `SharedAccessSignature k=v&k=v…` token's fields, each value exactly as sent (signatures cover
 * the literal `sr`); null when it is not one. DPS and IoT Hub tokens share this form.
 */
export function sasTokenFields(header: string | null | undefined): Record<string, string> | null {
  if (!header) return null;
  const match = /^SharedAccessSignature\s+(.+)$/.exec(header.trim());
  if (!match?.[1]) return null;
  const fields: Record<string, string> = {};
  for (const part of match[1].split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}

/** Splits a registration token into its fields (every one required). */
export function parseSasToken(header: string | null | undefined): SasFields | null {
  const fields = sasTokenFields(header);
  if (!fields) return null;
  const { sr, sig, se, skn } = fields;
  if (sr === undefined || sig === undefined || se === undefined || skn === undefined) return null;
  return { sr, sig, se, skn };
}

export type SasCheck =
  | { ok: true }
  | { ok: false; reason: "malformed" | "wrong-policy" | "expired" | "wrong-resource" | "bad-signature" };

/** decodeURIComponent, or null for text that is not validly percent-encoded. */
export function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * Verifies a registration token the way DPS must, given that the official SDKs disagree on `sr`
 * encoding: the HMAC covers `sr` as it appears in the token; the decoded `sr` must name this scope
 * and registration (case-insensitively).
 */
export function verifySasToken(
  fields: SasFields,
  expected: {
    idScope: string;
    registrationId: string;
    deviceKeysBase64: readonly string[];
    nowEpochSeconds: number;
  },
): SasCheck {
  if (fields.skn !== REGISTRATION_POLICY) return { ok: false, reason: "wrong-policy" };
  if (!/^\d{1,12}$/.test(fields.se)) return { ok: false, reason: "malformed" };
  if (Number(fields.se) <= expected.nowEpochSeconds) return { ok: false, reason: "expired" };
  const resource = safeDecode(fields.sr);
  const sig = safeDecode(fields.sig);
  if (resource === null || sig === null) return { ok: false, reason: "malformed" };
  const wanted = registrationResource(expected.idScope, expected.registrationId);
  if (resource.toLowerCase() !== wanted.toLowerCase()) return { ok: false, reason: "wrong-resource" };
  const given = Buffer.from(sig, "base64");
  for (const key of expected.deviceKeysBase64) {
    const computed = Buffer.from(sign(key, fields.sr, Number(fields.se)), "base64");
    if (computed.length === given.length && timingSafeEqual(computed, given)) return { ok: true };
  }
  return { ok: false, reason: "bad-signature" };
}
