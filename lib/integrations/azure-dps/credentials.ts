import { decryptSecret } from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import { dpsKeyContext } from "./provider";
import { readDpsIntegrationRow, recordDpsCallOutcomeRow, type DpsCallOutcome } from "./integration-store";
import type { ServiceConnection } from "@/lib/dps/service/connection-string";
import type { ProbedRights } from "@/lib/dps/service/probe";
import type { DpsCredentials } from "@/lib/dps/credentials";

/**
 * For the provisioning engine and worker scripts only: no permission check and no `server-only`,
 * because workers run without a user. Never pass what this returns to a page, an action result or a log.
 */

/**
 * The decrypted credentials, or null while the integration is not connected. Throws a
 * SecretDecryptionError when the stored key was saved under another HIC_SECRET_KEY or was altered.
 */
export async function loadDpsCredentials(): Promise<DpsCredentials | null> {
  const row = await readDpsIntegrationRow();
  if (!row?.primaryKeyCiphertext || !row.idScope || !row.host) return null;
  const kek = currentKek();
  return {
    idScope: row.idScope,
    host: row.host,
    primaryKey: decryptSecret(row.primaryKeyCiphertext, kek, dpsKeyContext("primary")),
    secondaryKey: row.secondaryKeyCiphertext
      ? decryptSecret(row.secondaryKeyCiphertext, kek, dpsKeyContext("secondary"))
      : null,
    registrationsPerMinute: row.registrationsPerMinute,
    operationsPerMinute: row.operationsPerMinute,
    version: row.version,
  };
}

/** The optional service API credential and what is known of it; same rules as DpsCredentials. */
export type DpsServiceCredentials = {
  connection: ServiceConnection;
  /** As last probed; null before the first check. */
  rights: ProbedRights | null;
  enrollmentGroupId: string | null;
  enrollmentGroupSource: "entered" | "found-by-key" | null;
  /** The enrollment group key(s), to find the group by key. */
  groupKeys: [string, string | null];
  version: number;
};

/** The decrypted service credential, or null when none is stored (or DPS is not connected). */
export async function loadDpsServiceCredentials(): Promise<DpsServiceCredentials | null> {
  const row = await readDpsIntegrationRow();
  if (!row?.serviceKeyCiphertext || !row.serviceHost || !row.servicePolicyName || !row.primaryKeyCiphertext)
    return null;
  const kek = currentKek();
  return {
    connection: {
      host: row.serviceHost,
      policyName: row.servicePolicyName,
      key: decryptSecret(row.serviceKeyCiphertext, kek, dpsKeyContext("service")),
    },
    rights: row.serviceRights ?? null,
    enrollmentGroupId: row.enrollmentGroupId,
    enrollmentGroupSource: row.enrollmentGroupSource ?? null,
    groupKeys: [
      decryptSecret(row.primaryKeyCiphertext, kek, dpsKeyContext("primary")),
      row.secondaryKeyCiphertext
        ? decryptSecret(row.secondaryKeyCiphertext, kek, dpsKeyContext("secondary"))
        : null,
    ],
    version: row.version,
  };
}

/**
 * Updates the tile's health (last success / last failure / consecutive failures). `kind` is a DPS
 * failure kind, ideally as `dpsFailureCode()` from ./explain-dps-error writes it (e.g. `unreachable:dns`),
 * so the tile can explain it; `message` must not contain a key.
 */
export async function recordDpsCallOutcome(outcome: DpsCallOutcome): Promise<void> {
  await recordDpsCallOutcomeRow(outcome);
}

export type { DpsCallOutcome };
