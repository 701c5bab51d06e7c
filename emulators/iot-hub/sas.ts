import { createHmac, timingSafeEqual } from "node:crypto";
import { safeDecode, sasTokenFields } from "@/lib/dps/sas";

/** `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]`; values kept as sent (the signature covers `sr` as it appears). */
export type HubSasFields = { sr: string; sig: string; se: string; skn?: string };

export function parseHubSas(text: string | null | undefined): HubSasFields | null {
  const fields = sasTokenFields(text);
  if (!fields) return null;
  const { sr, sig, se, skn } = fields;
  if (sr === undefined || sig === undefined || se === undefined) return null;
  if (!/^\d{1,12}$/.test(se)) return null;
  return { sr, sig, se, ...(skn !== undefined ? { skn } : {}) };
}

/** The decoded resource, or null when it is not URL-decodable. */
export function sasResource(fields: HubSasFields): string | null {
  return safeDecode(fields.sr);
}

export function sasPolicyName(fields: HubSasFields): string | null {
  return fields.skn === undefined ? null : safeDecode(fields.skn);
}

export function isExpired(fields: HubSasFields, nowMs: number): boolean {
  return Number(fields.se) <= Math.floor(nowMs / 1000);
}

/** True when `sig` is the HMAC-SHA256 of `{sr}\n{se}` under one of `keysBase64`. */
export function signedByOneOf(fields: HubSasFields, keysBase64: readonly string[]): boolean {
  const decoded = safeDecode(fields.sig);
  if (decoded === null) return false;
  const given = Buffer.from(decoded, "base64");
  for (const key of keysBase64) {
    const computed = createHmac("sha256", Buffer.from(key, "base64"))
      .update(`${fields.sr}\n${fields.se}`, "utf8")
      .digest();
    if (computed.length === given.length && timingSafeEqual(computed, given)) return true;
  }
  return false;
}
