import { UserFacingError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { decryptSecret, encryptSecret, envelopeKeyId, type Kek } from "@/lib/secrets/envelope";
import { dpsHostRefusal } from "@/lib/security/dps-host-policy";
import type { IntegrationRow } from "@/db/schema/integration";
import { dpsKeyContext, type DpsKeySlot } from "./provider";

/**
 * The rules saving and testing the connection share: where a key may be sent, reading the stored
 * keys, and the conflict a concurrent edit gets. The data-access files check permission before
 * any of this runs.
 */

/** The field a version conflict is reported on, so the dialog can offer "Reload". */
export const CONFLICT_FIELD = "version";

export function encryptKey(key: string, slot: DpsKeySlot, kek: Kek): string {
  return encryptSecret(key, kek, dpsKeyContext(slot));
}

export function decryptKey(ciphertext: string, slot: DpsKeySlot, kek: Kek): string {
  return decryptSecret(ciphertext, kek, dpsKeyContext(slot));
}

/** Says, without any secret, why the stored key cannot be used by this server; null when it can. */
export function storedKeyProblem(row: IntegrationRow | undefined, kek: Kek): string | null {
  if (!row?.primaryKeyCiphertext) return null;
  for (const ciphertext of [row.primaryKeyCiphertext, row.secondaryKeyCiphertext, row.serviceKeyCiphertext]) {
    if (!ciphertext) continue;
    const keyId = envelopeKeyId(ciphertext);
    if (keyId !== kek.id) {
      return `The stored key was encrypted under another HIC_SECRET_KEY (key id ${keyId ?? "unknown"}; this server has ${kek.id}). Start the app with that key, or enter the enrollment group key again.`;
    }
  }
  return null;
}

/** The DPS hostname must be one this server may connect to (lib/security/dps-host-policy). */
export function assertHostAllowed(host: string): void {
  const refusal = dpsHostRefusal(host);
  if (refusal) throw new UserFacingError(refusal, { host: [refusal] });
}

/** The same policy for the service connection string's HostName (a stored policy key only goes to the host it came with). */
export function assertServiceHostAllowed(input: { serviceConnectionString?: { host: string } }): void {
  if (!input.serviceConnectionString) return;
  const refusal = dpsHostRefusal(input.serviceConnectionString.host);
  if (refusal) throw new UserFacingError(refusal, { serviceConnectionString: [`HostName: ${refusal}`] });
}

/**
 * A stored key is only ever sent to the host it was saved with: a new hostname needs the keys
 * typed again (or the secondary removed), so nobody can point the stored key at a host of their choosing.
 */
export function assertStoredKeysStayWithTheirHost(
  input: { host: string; primaryKey?: string; secondaryKey?: string; removeSecondaryKey?: boolean },
  row: IntegrationRow,
): void {
  if (!row.host || row.host === input.host) return;
  const fieldErrors: Record<string, string[]> = {};
  if (!input.primaryKey)
    fieldErrors.primaryKey = [
      "Enter the enrollment group key again: the hostname changed, and a stored key only goes to the host it was saved with.",
    ];
  if (row.secondaryKeyCiphertext && !input.secondaryKey && !input.removeSecondaryKey) {
    fieldErrors.secondaryKey = ["Enter the secondary key again, or remove it: the hostname changed."];
  }
  if (Object.keys(fieldErrors).length > 0)
    throw new UserFacingError("The hostname changed: enter the key again.", fieldErrors);
}

export function conflictError(row: IntegrationRow | undefined): UserFacingError {
  const who = row?.updatedByEmail ?? "another administrator";
  const when = row?.updatedAt ? ` at ${formatDateTime(row.updatedAt)}` : "";
  const message = `The Azure DPS integration was changed by ${who}${when} meanwhile — reload to see their values. Your changes were not saved.`;
  return new UserFacingError(message, { [CONFLICT_FIELD]: [message] });
}
