import { createHmac } from "node:crypto";

/**
 * The device key of a symmetric-key enrollment group member: HMAC-SHA256 keyed with the decoded
 * group key over the registration ID exactly as written (no case folding), as the official SDKs do.
 */
export function deriveDeviceKey(groupKeyBase64: string, registrationId: string): string {
  return createHmac("sha256", Buffer.from(groupKeyBase64, "base64"))
    .update(registrationId, "utf8")
    .digest("base64");
}
