import "server-only";
import { asc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { hubCredentials } from "@/db/schema";
import type { HubRights, HubServiceConnection } from "@/lib/iot-hub/service";
import { decryptSecret } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { currentKek } from "@/lib/secrets/secret-key";

/**
 * The saved hub credentials, for data-access layers and the engine's wiring: no permission check
 * here (callers check theirs, or run without a user). Never pass a connection to a page, an action
 * result or a log.
 */

/**
 * The decrypted connection for `hubHost` and its rights as last probed, or null when none is saved.
 * Throws a SecretDecryptionError when the stored key was saved under another HIC_SECRET_KEY or altered.
 */
export async function loadHubConnection(
  hubHost: string,
): Promise<{ connection: HubServiceConnection; rights: HubRights | null } | null> {
  const host = hubHost.trim().toLowerCase();
  const [row] = await getDb().select().from(hubCredentials).where(eq(hubCredentials.hubHost, host)).limit(1);
  if (!row) return null;
  return {
    connection: {
      hostName: row.hubHost,
      policyName: row.policyName,
      key: decryptSecret(row.keyCiphertext, currentKek(), hubCredentialKeyContext(row.hubHost)),
    },
    rights: row.rights ?? null,
  };
}

/** Which hubs have a saved credential, with its policy and rights: never the key. */
export async function listHubCredentialSummaries(): Promise<
  Array<{ hubHost: string; policyName: string; rights: HubRights | null; savedAt: Date }>
> {
  const rows = await getDb()
    .select({
      hubHost: hubCredentials.hubHost,
      policyName: hubCredentials.policyName,
      rights: hubCredentials.rights,
      savedAt: hubCredentials.savedAt,
    })
    .from(hubCredentials)
    .orderBy(asc(hubCredentials.hubHost));
  return rows.map((row) => ({ ...row, rights: row.rights ?? null }));
}
