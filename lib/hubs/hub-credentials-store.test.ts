import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { hubCredentials } from "@/db/schema";
import { encryptSecret, SecretDecryptionError } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { currentKek } from "@/lib/secrets/secret-key";
import { truncate } from "@/tests/support/db";
import { listHubCredentialSummaries, loadHubConnection } from "./hub-credentials-store";

const KEY = Buffer.alloc(32, 5).toString("base64");
const HUB = "hic-demo-hub-1.azure-devices.net";

async function save(hubHost: string, keyContextHost = hubHost) {
  await getDb()
    .insert(hubCredentials)
    .values({
      hubHost,
      policyName: "registryRead",
      keyCiphertext: encryptSecret(KEY, currentKek(), hubCredentialKeyContext(keyContextHost)),
      rights: { registryRead: true, registryWrite: false },
      rightsCheckedAt: new Date(),
    });
}

describe("the hub credentials store", () => {
  beforeEach(() => truncate("hub_credentials"));

  it("loads the decrypted connection and its rights by hub host, in any case", async () => {
    await save(HUB);
    expect(await loadHubConnection("HIC-Demo-Hub-1.azure-devices.net")).toEqual({
      connection: { hostName: HUB, policyName: "registryRead", key: KEY },
      rights: { registryRead: true, registryWrite: false },
    });
  });

  it("answers null for a hub with no saved credential", async () => {
    expect(await loadHubConnection(HUB)).toBeNull();
  });

  it("refuses a key that was encrypted for another hub", async () => {
    await save(HUB, "hic-demo-hub-2.azure-devices.net");
    await expect(loadHubConnection(HUB)).rejects.toThrow(SecretDecryptionError);
  });

  it("lists which hubs have credentials, with policy and rights, never the key", async () => {
    await save("b-hub.azure-devices.net");
    await save("a-hub.azure-devices.net");
    const summaries = await listHubCredentialSummaries();
    expect(summaries.map((summary) => summary.hubHost)).toEqual([
      "a-hub.azure-devices.net",
      "b-hub.azure-devices.net",
    ]);
    expect(summaries[0]).toEqual({
      hubHost: "a-hub.azure-devices.net",
      policyName: "registryRead",
      rights: { registryRead: true, registryWrite: false },
      savedAt: expect.any(Date),
    });
    expect(JSON.stringify(summaries)).not.toContain(KEY);
  });
});
