import { readFileSync } from "node:fs";
import path from "node:path";
import { parseHubConnectionString } from "@/lib/iot-hub/service/connection-string";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { sql } from "./db";

/**
 * Saves a hub's connection string as the Integration tab stores it (the key encrypted under the
 * run's HIC_SECRET_KEY, bound to the hub; the policy's rights as the probe finds them for the demo's
 * policies). Written to the database because the flows here are about what the saved credentials
 * make possible; the tab's own form has its flow beside it.
 */
export async function saveHubCredentials(connectionString: string): Promise<string> {
  const parsed = parseHubConnectionString(connectionString);
  if (!parsed.ok) throw new Error(parsed.message);
  const { hostName, policyName, key } = parsed.value;
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("E2E_DATA_DIR is not set; run the end-to-end tests through `npm test`.");
  const kek = parseKek(readFileSync(path.join(dataDir, "hic_secret_key.secret"), "utf8").trim());
  const rights = {
    registryRead: true,
    registryWrite: /readwrite|owner/i.test(policyName),
  };
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
  return hostName;
}
