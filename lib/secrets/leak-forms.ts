import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

/**
 * Every text form in which an enrollment group key could leak, for tests that prove it does not:
 * the key itself, its bytes as hex and base64url, URL-encoded, and device keys derived from it.
 */
export function secretForms(groupKey: string, registrationIds: readonly string[] = []): string[] {
  const bytes = Buffer.from(groupKey, "base64");
  const forms = [groupKey, encodeURIComponent(groupKey), bytes.toString("hex"), bytes.toString("base64url")];
  const printable = bytes.toString("latin1");
  if (/^[\x20-\x7e]{12,}$/.test(printable)) forms.push(printable);
  for (const id of registrationIds) {
    const deviceKey = deriveDeviceKey(groupKey, id);
    forms.push(deviceKey, encodeURIComponent(deviceKey), Buffer.from(deviceKey, "base64").toString("hex"));
  }
  return forms;
}

/** The forms from `forms` that occur in `text`, to print which one leaked. */
export function leakedForms(text: string, forms: readonly string[]): string[] {
  return forms.filter((form) => text.includes(form));
}
