import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog, devices, hubCredentials, integrations } from "@/db/schema";
import { AccessDeniedError } from "@/lib/auth/current-user";
import { UserFacingError } from "@/lib/errors";
import type { HubRegistryClient } from "@/lib/iot-hub/service";
import { hubCredentialSchema } from "@/lib/validation/hub-credential";
import { HUB_A, HUB_B, startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";
import { hubConnection, localHubRegistryClient, provisionThroughDps } from "@/tests/support/iot-hub-emulator";
import { truncate } from "@/tests/support/db";
import { signInAs } from "@/tests/support/session";

const hub = vi.hoisted(() => ({ client: null as HubRegistryClient | null }));
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("./hub-registry", () => ({ registryClientForHubs: () => hub.client }));

const { getHubCredentials, saveHubCredential, removeHubCredential } = await import("./hub-credentials-dal");
const { getHubIdentityForDevice } = await import("./hub-identity-dal");

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator(testConfig());
  hub.client = localHubRegistryClient(emulator, { retryPolicy: { maxAttempts: 1 } });
});
afterAll(async () => emulator?.dispose());

beforeEach(async () => {
  await truncate("audit_log", "integrations", "users", "hub_credentials", "devices");
  await getDb()
    .insert(integrations)
    .values({
      id: "azure-dps",
      enrollmentGroup: {
        enrollmentGroupId: "fleet",
        attestationType: "symmetricKey",
        provisioningStatus: "enabled",
        allocationPolicy: "hashed",
        iotHubs: [HUB_A, HUB_B],
        iotHubHostName: null,
        reprovisionPolicy: null,
        customAllocationWebhookUrl: null,
        etag: null,
        lastUpdatedDateTimeUtc: null,
      },
    });
});

const strings = (host: string) => hubConnection(emulator, host);
const input = (hubHost: string, connectionString: string) =>
  hubCredentialSchema.parse({ hubHost, connectionString });
const keyOf = (connectionString: string) => /SharedAccessKey=([^;]+)/.exec(connectionString)![1]!;

async function audits() {
  return getDb().select().from(auditLog).orderBy(auditLog.id);
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("hub credentials on the Integration tab", () => {
  it("lists the group's linked hubs and the hubs devices are on, without credentials at first", async () => {
    await getDb()
      .insert(devices)
      .values({ registrationId: "d1", assignedHub: "Other-Hub.azure-devices.net" });
    await signInAs("admin");
    const view = await getHubCredentials();
    expect(view.groupHubsKnown).toBe(true);
    expect(view.canManage).toBe(true);
    expect(view.hubs).toEqual([
      { hubHost: HUB_A, sources: ["enrollment-group"], deviceCount: 0, credential: null },
      { hubHost: HUB_B, sources: ["enrollment-group"], deviceCount: 0, credential: null },
      { hubHost: "other-hub.azure-devices.net", sources: ["devices"], deviceCount: 1, credential: null },
    ]);
  });

  it("saves a registryRead string encrypted, probes its rights, and audits it without the string", async () => {
    const admin = await signInAs("admin");
    const text = strings(HUB_A).registryReadConnectionString;
    expect(await saveHubCredential(input(HUB_A, text))).toEqual({
      replaced: false,
      rights: { registryRead: true, registryWrite: false },
      rightsError: null,
    });
    const [stored] = await getDb().select().from(hubCredentials);
    expect(stored).toMatchObject({ hubHost: HUB_A, policyName: "registryRead", savedBy: admin.id });
    expect(stored!.keyCiphertext).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain(keyOf(text));

    const [audit] = await audits();
    expect(audit).toMatchObject({
      action: "hub-credential.save",
      outcome: "success",
      target: HUB_A,
      detail: {
        hubHost: HUB_A,
        policyName: "registryRead",
        replaced: false,
        rights: { registryRead: true, registryWrite: false },
      },
    });
    expect(JSON.stringify(audit)).not.toContain(keyOf(text));

    const view = await getHubCredentials();
    expect(view.hubs.find((row) => row.hubHost === HUB_A)?.credential).toMatchObject({
      policyName: "registryRead",
      rights: { registryRead: true, registryWrite: false },
      savedBy: admin.email,
    });
    expect(JSON.stringify(view)).not.toContain(keyOf(text));
  });

  it("replaces a saved string, and shows the new policy's rights", async () => {
    await signInAs("admin");
    await saveHubCredential(input(HUB_A, strings(HUB_A).registryReadConnectionString));
    expect(
      await saveHubCredential(input(HUB_A, strings(HUB_A).registryReadWriteConnectionString)),
    ).toMatchObject({
      replaced: true,
      rights: { registryRead: true, registryWrite: true },
    });
    const [stored] = await getDb().select().from(hubCredentials);
    expect(stored).toMatchObject({ policyName: "registryReadWrite", version: 2 });
  });

  it("refuses a string for another hub, and a device string, at the connection string field", async () => {
    const other = hubCredentialSchema.safeParse({
      hubHost: HUB_A,
      connectionString: strings(HUB_B).registryReadConnectionString,
    });
    expect(other.success).toBe(false);
    expect(other.error?.issues[0]).toMatchObject({
      path: ["connectionString"],
      message: expect.stringMatching(/is for hub-b/),
    });
    const device = hubCredentialSchema.safeParse({
      hubHost: HUB_A,
      connectionString: `HostName=${HUB_A};DeviceId=d1;SharedAccessKey=${Buffer.alloc(32, 1).toString("base64")}`,
    });
    expect(device.error?.issues[0]).toMatchObject({
      path: ["connectionString"],
      message: expect.stringMatching(/device connection string/),
    });

    await signInAs("admin");
    const error = await refusal(
      saveHubCredential({ hubHost: HUB_A, connectionString: strings(HUB_B).registryReadConnectionString }),
    );
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).fieldErrors?.connectionString?.[0]).toMatch(/is for hub-b/);
    expect(await getDb().select().from(hubCredentials)).toEqual([]);
  });

  it("refuses a hub the group does not use", async () => {
    await signInAs("admin");
    const text = strings(HUB_A).registryReadConnectionString.replace(HUB_A, "stranger.azure-devices.net");
    const error = await refusal(saveHubCredential(input("stranger.azure-devices.net", text)));
    expect((error as UserFacingError).fieldErrors?.hubHost?.[0]).toMatch(/neither linked/);
  });

  it("refuses a wrong key with a field error, stores nothing, and audits the failure without the key", async () => {
    await signInAs("admin");
    const wrongKey = Buffer.alloc(32, 4).toString("base64");
    const text = `HostName=${HUB_A};SharedAccessKeyName=registryRead;SharedAccessKey=${wrongKey}`;
    const error = await refusal(saveHubCredential(input(HUB_A, text)));
    expect((error as UserFacingError).fieldErrors?.connectionString?.[0]).toMatch(/did not accept/);
    expect(await getDb().select().from(hubCredentials)).toEqual([]);
    const [audit] = await audits();
    expect(audit).toMatchObject({ action: "hub-credential.save", outcome: "failure" });
    expect(JSON.stringify(audit)).not.toContain(wrongKey);
  });

  it("removes a saved string and audits it", async () => {
    await signInAs("admin");
    await saveHubCredential(input(HUB_A, strings(HUB_A).registryReadConnectionString));
    expect(await removeHubCredential({ hubHost: HUB_A })).toEqual({ removed: true });
    expect(await getDb().select().from(hubCredentials)).toEqual([]);
    expect((await audits()).at(-1)).toMatchObject({
      action: "hub-credential.remove",
      outcome: "success",
      detail: { hubHost: HUB_A, policyName: "registryRead" },
    });
    expect(await removeHubCredential({ hubHost: HUB_A })).toEqual({ removed: false });
  });

  it.each(["operator", "support"] as const)(
    "lets %s see the hubs and rights, but not save or remove",
    async (role) => {
      await signInAs("admin");
      const text = strings(HUB_A).registryReadConnectionString;
      await saveHubCredential(input(HUB_A, text));
      await signInAs(role);
      const view = await getHubCredentials();
      expect(view.canManage).toBe(false);
      expect(view.hubs[0]?.credential?.rights).toEqual({ registryRead: true, registryWrite: false });
      expect(JSON.stringify(view)).not.toContain(keyOf(text));
      await expect(saveHubCredential(input(HUB_A, text))).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(removeHubCredential({ hubHost: HUB_A })).rejects.toBeInstanceOf(AccessDeniedError);
      expect(await getDb().select({ host: hubCredentials.hubHost }).from(hubCredentials)).toEqual([
        { host: HUB_A },
      ]);
    },
  );
});

describe("the identity in the hub on the device page", () => {
  async function device(registrationId: string) {
    const placed = await provisionThroughDps(emulator, registrationId);
    const [row] = await getDb()
      .insert(devices)
      .values({ registrationId, status: "assigned", assignedHub: placed.hub, dpsDeviceId: placed.deviceId })
      .returning();
    return { ...placed, id: row!.id };
  }

  it("says how to get it when the hub has no saved string", async () => {
    const placed = await device("identity-no-credentials");
    await signInAs("support");
    expect(await getHubIdentityForDevice(placed.id)).toEqual({
      state: "no-credentials",
      hubHost: placed.hub,
    });
  });

  it("shows support the identity: enabled, reason, authentication, activity and connection state, no key", async () => {
    const placed = await device("identity-found");
    await signInAs("admin");
    await saveHubCredential(input(placed.hub, strings(placed.hub).registryReadConnectionString));
    emulator.iotHub.admin.setIdentityStatus(placed.hub, placed.deviceId, "disabled", "kept out on purpose");
    await signInAs("support");
    const view = await getHubIdentityForDevice(placed.id);
    expect(view).toMatchObject({
      state: "found",
      hubHost: placed.hub,
      identity: {
        deviceId: placed.deviceId,
        status: "disabled",
        statusReason: "kept out on purpose",
        authenticationType: "sas",
        connectionState: "Disconnected",
      },
    });
    expect(JSON.stringify(view)).not.toContain(placed.deviceKey);
  });

  it("says there is no identity in the hub when it was deleted", async () => {
    const placed = await device("identity-deleted");
    await signInAs("admin");
    await saveHubCredential(input(placed.hub, strings(placed.hub).registryReadConnectionString));
    emulator.iotHub.admin.deleteIdentity(placed.hub, placed.deviceId);
    await signInAs("operator");
    expect(await getHubIdentityForDevice(placed.id)).toMatchObject({
      state: "not-found",
      deviceId: placed.deviceId,
    });
  });

  it("explains a key the hub no longer accepts, and a hub that does not answer, in words", async () => {
    const placed = await device("identity-failures");
    await signInAs("admin");
    await saveHubCredential(input(placed.hub, strings(placed.hub).registryReadConnectionString));
    await getDb()
      .update(hubCredentials)
      .set({ policyName: "registryReadWrite" })
      .where(eq(hubCredentials.hubHost, placed.hub));
    await signInAs("support");
    const refused = await getHubIdentityForDevice(placed.id);
    expect(refused).toMatchObject({ state: "failed", title: expect.stringMatching(/did not accept/) });

    await signInAs("admin");
    await saveHubCredential(input(placed.hub, strings(placed.hub).registryReadConnectionString));
    emulator.iotHub.admin.setHubOnline(placed.hub, false, "unreachable");
    try {
      await signInAs("support");
      expect(await getHubIdentityForDevice(placed.id)).toMatchObject({
        state: "failed",
        title: expect.stringMatching(/could not be reached/),
      });
    } finally {
      emulator.iotHub.admin.setHubOnline(placed.hub, true);
    }
  }, 30_000);

  it("is refused to a signed-out visitor", async () => {
    const { signOut } = await import("@/tests/support/session");
    signOut();
    await expect(getHubIdentityForDevice(1)).rejects.toBeInstanceOf(AccessDeniedError);
  });
});
