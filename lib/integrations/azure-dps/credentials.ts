import { decryptSecret } from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import { dpsKeyContext } from "./provider";
import { readDpsIntegrationRow, recordDpsCallOutcomeRow, type DpsCallOutcome } from "./integration-store";

/**
 * For the provisioning engine and worker scripts only: no permission check and no `server-only`,
 * because workers run without a user. Never pass what this returns to a page, an action result or a log.
 */

export type DpsCredentials = {
  idScope: string;
  host: string;
  primaryKey: string;
  secondaryKey: string | null;
  registrationsPerMinute: number;
  operationsPerMinute: number;
  /** Changes on every save, so a worker can tell its cached credentials are stale. */
  version: number;
};

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

/**
 * Updates the tile's health (last success / last failure / consecutive failures). `kind` is a DPS
 * failure kind, ideally as `dpsFailureCode()` from ./explain-dps-error writes it (e.g. `unreachable:dns`),
 * so the tile can explain it; `message` must not contain a key.
 */
export async function recordDpsCallOutcome(outcome: DpsCallOutcome): Promise<void> {
  await recordDpsCallOutcomeRow(outcome);
}

export type { DpsCallOutcome };
