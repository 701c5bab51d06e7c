import { readFileSync } from "node:fs";
import path from "node:path";
import { parseHubConnectionString } from "@/lib/iot-hub/service/connection-string";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { sql } from "./db";

/**
 * Saves a hub's service credential for the running app, as the Integration tab stores it: the key
 * as an envelope under the run's HIC_SECRET_KEY (the launcher's file in the data directory), bound
 * to the hub host, with the rights a probe of that policy finds. Written straight to the database
 * until the Integration tab's hub credentials form is in this branch.
 */
export async function saveHubCredentials(
  connectionString: string,
  rights: { registryRead: boolean; registryWrite: boolean },
): Promise<void> {
  const parsed = parseHubConnectionString(connectionString);
  if (!parsed.ok) throw new Error(parsed.message);
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("E2E_DATA_DIR is not set; run the end-to-end tests through `npm test`.");
  const kek = parseKek(readFileSync(path.join(dataDir, "hic_secret_key.secret"), "utf8").trim());
  const { hostName, policyName, key } = parsed.value;
  await sql(
    `insert into hub_credentials (hub_host, policy_name, key_ciphertext, rights, rights_checked_at)
     values ($1, $2, $3, $4, now())
     on conflict (hub_host) do update set policy_name = excluded.policy_name, key_ciphertext = excluded.key_ciphertext,
       rights = excluded.rights, rights_checked_at = now(), version = hub_credentials.version + 1`,
    [
      hostName,
      policyName,
      encryptSecret(key, kek, hubCredentialKeyContext(hostName)),
      JSON.stringify(rights),
    ],
  );
}
