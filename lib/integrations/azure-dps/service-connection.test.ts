import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog, integrations } from "@/db/schema";
import { createDpsClient, createDpsFetch, type DpsClient } from "@/lib/dps";
import { createDpsServiceClient, type DpsServiceClient } from "@/lib/dps/service/client";
import { setEnv } from "@/lib/env";
import {
  FLEET_PRIMARY_KEY,
  OWNER_POLICY,
  READER_POLICY,
  serviceConnectionString,
  startTestEmulator,
  testConfig,
  TEST_ID_SCOPE,
  type TestEmulator,
} from "@/tests/support/dps-emulator";
import { signInAs } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";

const dps = vi.hoisted(() => ({
  client: null as DpsClient | null,
  service: null as DpsServiceClient | null,
}));
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("@/lib/provisioning", () => ({
  requestProvisioningOfUnassigned: async () => ({}),
  getDpsHealth: async () => ({ state: "available" }),
  noteIntegrationChanged: () => {},
  resumeAfterKeyAccepted: async () => false,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
// Here the emulator's CA is trusted explicitly, as the launcher does for its own emulator.
vi.mock("./connection-test-client", () => ({
  connectionTestDpsClient: () => dps.client,
  connectionTestServiceClient: () => dps.service,
}));

const { saveDpsIntegration, getDpsIntegration, disconnectDpsIntegration } = await import("./integration-dal");
const { testDpsConnection } = await import("./connection-test-dal");
const { dpsIntegrationSchema } = await import("./schema");
const { refreshServiceCheckIfDue } = await import("./service-refresh");
const { loadDpsServiceCredentials } = await import("./credentials");

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator(testConfig());
  const fetch = createDpsFetch({ caPem: emulator.caPem });
  dps.client = createDpsClient({ fetch, retryPolicy: { maxAttempts: 1 } });
  dps.service = createDpsServiceClient({ fetch, retryPolicy: { maxAttempts: 1 } });
  // The outbound host policy admits the emulator the launcher starts; this one is started here.
  setEnv({ HIC_DPS_ALLOWED_HOSTS: [`localhost:${emulator.port}`] });
});
afterAll(async () => emulator?.dispose());

beforeEach(async () => {
  await truncate("audit_log", "integrations", "users");
  emulator.admin.reset({ restoreStartupConfig: true });
  await signInAs("admin");
});

const form = (overrides: Record<string, unknown> = {}) =>
  dpsIntegrationSchema.parse({
    mode: "connect",
    version: 0,
    idScope: TEST_ID_SCOPE,
    primaryKey: FLEET_PRIMARY_KEY,
    host: `localhost:${emulator.port}`,
    registrationsPerMinute: 1000,
    serviceConnectionString: serviceConnectionString(emulator),
    ...overrides,
  });

async function row() {
  const [stored] = await getDb().select().from(integrations).where(eq(integrations.id, "azure-dps"));
  return stored!;
}

describe("the optional service connection string", () => {
  it("is stored encrypted on save, and the tile then shows the policy's rights and the group found by its key", async () => {
    const { integration } = await saveDpsIntegration(form());
    const stored = await row();
    expect(stored.serviceKeyCiphertext).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain(OWNER_POLICY.primaryKey);
    expect(stored).toMatchObject({
      serviceHost: `localhost:${emulator.port}`,
      servicePolicyName: "provisioningserviceowner",
      enrollmentGroupId: "fleet",
      enrollmentGroupSource: "found-by-key",
    });
    expect(JSON.stringify(stored.enrollmentGroup)).not.toContain(FLEET_PRIMARY_KEY);

    expect(integration.service).toMatchObject({
      policyName: "provisioningserviceowner",
      rights: { enrollmentRead: true, registrationStatusRead: true, registrationStatusWrite: true },
    });
    expect(integration.enrollmentGroup).toMatchObject({
      id: "fleet",
      source: "found-by-key",
      summary: {
        enrollmentGroupId: "fleet",
        provisioningStatus: "enabled",
        allocationPolicy: "hashed",
        iotHubs: [],
        reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      },
      problem: null,
    });
    expect(JSON.stringify(integration)).not.toContain(OWNER_POLICY.primaryKey);
    const [audit] = await getDb().select().from(auditLog).where(eq(auditLog.action, "integration.connect"));
    expect(audit?.detail).toMatchObject({
      serviceConnectionString: "added",
      servicePolicy: "provisioningserviceowner",
      enrollmentGroupId: "found from the key",
    });
  });

  it("shows a read-only policy's rights, without write, from a live Test connection of the typed string", async () => {
    const result = await testDpsConnection(
      form({ serviceConnectionString: serviceConnectionString(emulator, READER_POLICY) }),
    );
    expect(result.accepted).toBe(true);
    expect(result.service).toMatchObject({
      accepted: true,
      rights: { enrollmentRead: true, registrationStatusRead: true, registrationStatusWrite: false },
      enrollmentGroupId: "fleet",
      enrollmentGroup: { provisioningStatus: "enabled" },
    });
    // The write probe cannot delete anything: nothing is registered, and it names an etag no record has.
    expect(emulator.admin.counters().byEndpoint.service.byStatus["401"]).toBe(1);
  });

  it("explains a refused string, and a group that cannot be found from the key, with the next step", async () => {
    const refused = await testDpsConnection(
      form({
        serviceConnectionString: serviceConnectionString(emulator, {
          name: OWNER_POLICY.name,
          primaryKey: READER_POLICY.primaryKey,
        }),
      }),
    );
    expect(refused.service).toMatchObject({
      accepted: false,
      explanation: { title: "DPS refused the service connection string" },
    });

    emulator.admin.patchConfig({
      servicePolicies: [{ name: READER_POLICY.name, rights: ["registrationStatusRead"] }],
    });
    const cannotRead = await testDpsConnection(
      form({ serviceConnectionString: serviceConnectionString(emulator, READER_POLICY) }),
    );
    expect(cannotRead.service).toMatchObject({
      accepted: true,
      enrollmentGroupId: null,
      groupProblem: { title: "The enrollment group cannot be read" },
    });
    const entered = await testDpsConnection(
      form({
        serviceConnectionString: serviceConnectionString(emulator, READER_POLICY),
        enrollmentGroupId: "fleet",
      }),
    );
    expect(entered.service).toMatchObject({
      enrollmentGroupId: "fleet",
      groupProblem: { title: "The enrollment group cannot be read" },
    });

    const mismatch = await testDpsConnection(form({ enrollmentGroupId: "retired" }));
    expect(mismatch.service).toMatchObject({
      enrollmentGroupId: "retired",
      groupProblem: { title: "The enrollment group's keys differ from the saved key" },
    });
  });

  it("shows a disabled group as Needs attention with the next step, on save and on the periodic refresh", async () => {
    await saveDpsIntegration(form());
    expect((await getDpsIntegration()).state).toBe("connected");
    emulator.admin.patchConfig({
      enrollmentGroups: [{ enrollmentGroupId: "fleet", provisioningStatus: "disabled" }],
    });

    expect(await refreshServiceCheckIfDue(dps.service!, 300)).toBe(false);
    expect(await refreshServiceCheckIfDue(dps.service!, 0)).toBe(true);
    const integration = await getDpsIntegration();
    expect(integration.state).toBe("needs-attention");
    expect(integration.attention).toMatchObject({
      cause: "group-disabled",
      message: expect.stringContaining("fleet is disabled"),
      nextStep: expect.stringContaining("Manage enrollments → fleet"),
    });
    expect(integration.enrollmentGroup?.summary?.provisioningStatus).toBe("disabled");
  });

  it("is kept on edit with the field empty, removed on request, and deleted with the other keys on disconnect", async () => {
    await saveDpsIntegration(form());
    let saved = await row();
    await saveDpsIntegration(
      form({ mode: "edit", version: saved.version, primaryKey: "", serviceConnectionString: "" }),
    );
    expect((await row()).serviceKeyCiphertext).toBe(saved.serviceKeyCiphertext);
    expect(await loadDpsServiceCredentials()).toMatchObject({
      connection: { key: OWNER_POLICY.primaryKey },
      enrollmentGroupId: "fleet",
    });

    saved = await row();
    const { integration } = await saveDpsIntegration(
      form({
        mode: "edit",
        version: saved.version,
        primaryKey: "",
        serviceConnectionString: "",
        removeServiceConnectionString: true,
      }),
    );
    expect(integration.service).toBeNull();
    expect((await row()).serviceKeyCiphertext).toBeNull();

    saved = await row();
    await saveDpsIntegration(form({ mode: "edit", version: saved.version, primaryKey: "" }));
    saved = await row();
    await disconnectDpsIntegration({ version: saved.version });
    expect(await row()).toMatchObject({ serviceKeyCiphertext: null, primaryKeyCiphertext: null });
    const [audit] = await getDb()
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "integration.disconnect"));
    expect(audit?.detail).toMatchObject({ keysDeleted: ["primary", "service"] });
  });

  it("refuses a string of the wrong shape at its field, before any call", () => {
    const result = dpsIntegrationSchema.safeParse({
      ...form(),
      serviceConnectionString:
        "HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=abc=",
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["serviceConnectionString"] });
  });
});
