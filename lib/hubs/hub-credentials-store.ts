import "server-only";
import { asc, eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { hubCredentials, users } from "@/db/schema";
import type { HubRights, HubServiceConnection } from "@/lib/iot-hub/service";
import { decryptSecret, encryptSecret } from "@/lib/secrets/envelope";
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

/** Everything stored for `hubHost` but the key, for the Integration tab's list. */
export async function readHubCredentialRows() {
  return getDb()
    .select({
      hubHost: hubCredentials.hubHost,
      policyName: hubCredentials.policyName,
      rights: hubCredentials.rights,
      rightsCheckedAt: hubCredentials.rightsCheckedAt,
      rightsError: hubCredentials.rightsError,
      savedAt: hubCredentials.savedAt,
      savedBy: users.email,
    })
    .from(hubCredentials)
    .leftJoin(users, eq(users.id, hubCredentials.savedBy))
    .orderBy(asc(hubCredentials.hubHost));
}

/**
 * Saves (or replaces) the credential of `connection.hostName`: the key encrypted for that hub, the
 * rights as just probed. Returns whether one was there before.
 */
export async function writeHubCredential(
  connection: HubServiceConnection,
  probe: { rights: HubRights | null; error: string | null },
  savedBy: string,
): Promise<{ replaced: boolean }> {
  const hubHost = connection.hostName.toLowerCase();
  const values = {
    policyName: connection.policyName,
    keyCiphertext: encryptSecret(connection.key, currentKek(), hubCredentialKeyContext(hubHost)),
    rights: probe.rights,
    rightsCheckedAt: probe.rights ? new Date() : null,
    rightsError: probe.error,
    savedBy,
    savedAt: new Date(),
  };
  return getDb().transaction(async (tx) => {
    const [existing] = await tx
      .select({ version: hubCredentials.version })
      .from(hubCredentials)
      .where(eq(hubCredentials.hubHost, hubHost))
      .for("update");
    if (existing) {
      await tx
        .update(hubCredentials)
        .set({ ...values, version: existing.version + 1 })
        .where(eq(hubCredentials.hubHost, hubHost));
      return { replaced: true };
    }
    await tx.insert(hubCredentials).values({ hubHost, ...values });
    return { replaced: false };
  });
}

/** Deletes the credential of `hubHost`; returns the policy name it had, or null when there was none. */
export async function deleteHubCredential(hubHost: string): Promise<{ policyName: string } | null> {
  const [deleted] = await getDb()
    .delete(hubCredentials)
    .where(eq(hubCredentials.hubHost, hubHost.toLowerCase()))
    .returning({ policyName: hubCredentials.policyName });
  return deleted ?? null;
}
