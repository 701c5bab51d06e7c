import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog, integrations } from "@/db/schema";
import { createDpsClient, createDpsFetch, type DpsClient } from "@/lib/dps";
import { setEnv } from "@/lib/env";
import {
  startTestEmulator,
  testConfig,
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  TEST_ID_SCOPE,
  type TestEmulator,
} from "@/tests/support/dps-emulator";
import { signInAs } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";
import { probeDpsConnection } from "./test-connection";

const dps = vi.hoisted(() => ({ client: null as DpsClient | null, resumed: 0 }));
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("@/lib/provisioning", () => ({
  getDpsHealth: async () => ({ state: "available" }),
  noteIntegrationChanged: () => {},
  resumeAfterKeyAccepted: async () => {
    dps.resumed += 1;
    return true;
  },
  requestProvisioningOfUnassigned: async () => ({}),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
// The production client trusts the launcher's emulator (HIC_DPS_EMULATOR_CA_FILE); here the test emulator's CA is trusted explicitly.
vi.mock("./connection-test-client", () => ({ connectionTestDpsClient: () => dps.client }));

const { saveDpsIntegration, getDpsIntegration } = await import("./integration-dal");
const { testDpsConnection } = await import("./connection-test-dal");
const { dpsIntegrationSchema } = await import("@/lib/integrations/azure-dps/schema");

const WRONG_KEY = Buffer.alloc(64, 0x5a).toString("base64");
const quick = {
  requestTimeoutMs: 5_000,
  operationTimeoutMs: 10_000,
  retryPolicy: { maxAttempts: 1, maxUnreachableAttempts: 1 },
};

/** A port nothing listens on (fetch refuses "bad ports" such as 1 before connecting, so pick a real one). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let emulator: TestEmulator;
let refusingHost: string;
let client: DpsClient;
let host: string;

beforeAll(async () => {
  emulator = await startTestEmulator(testConfig());
  client = createDpsClient({ ...quick, fetch: createDpsFetch({ caPem: emulator.caPem }) });
  host = `localhost:${emulator.port}`;
  refusingHost = `127.0.0.1:${await closedPort()}`;
  // The outbound host policy lets the app reach Azure and the launcher's emulator; these are neither.
  setEnv({ HIC_DPS_ALLOWED_HOSTS: [host, refusingHost] });
});
afterAll(async () => emulator?.dispose());

describe("probeDpsConnection against the local DPS emulator", () => {
  it("reports the right key as accepted, without registering anything", async () => {
    const result = await probeDpsConnection(client, {
      idScope: TEST_ID_SCOPE,
      host,
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: null,
    });
    expect(result).toMatchObject({
      accepted: true,
      keyUsed: "primary",
      httpStatus: 404,
      code: "accepted",
      outcome: { ok: true },
    });
    expect(result.explanation.title).toBe("DPS accepted the ID Scope and the key");
    const counters = emulator.admin.counters();
    expect(counters.byEndpoint.status.byStatus["404"]).toBeGreaterThan(0);
    expect(counters.byEndpoint.register.total).toBe(0);
    expect(emulator.admin.listRegistrations().total).toBe(0);
  });

  it("reports a wrong key as rejected by DPS", async () => {
    const result = await probeDpsConnection(client, {
      idScope: TEST_ID_SCOPE,
      host,
      primaryKey: WRONG_KEY,
      secondaryKey: null,
    });
    expect(result).toMatchObject({
      accepted: false,
      httpStatus: 401,
      dpsErrorCode: 401002,
      code: "unauthorized::401:401002",
    });
    expect(result.explanation.title).toBe("DPS rejected the ID Scope or the key");
    expect(result.outcome).toEqual({ ok: false, kind: "unauthorized::401:401002", message: "Unauthorized" });
  });

  it("reports a wrong ID Scope as rejected by DPS", async () => {
    const result = await probeDpsConnection(client, {
      idScope: "0ne99999999",
      host,
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: null,
    });
    expect(result.explanation.title).toBe("DPS rejected the ID Scope or the key");
  });

  it("falls back to the secondary key when DPS refuses the primary, and says so", async () => {
    const result = await probeDpsConnection(client, {
      idScope: TEST_ID_SCOPE,
      host,
      primaryKey: WRONG_KEY,
      secondaryKey: FLEET_SECONDARY_KEY,
    });
    expect(result).toMatchObject({ accepted: true, keyUsed: "secondary" });
    expect(result.explanation.nextStep).toMatch(/finish the key rotation/);
  });

  it("reports a port where nothing listens as connection refused", async () => {
    const result = await probeDpsConnection(client, {
      idScope: TEST_ID_SCOPE,
      host: refusingHost,
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: null,
    });
    expect(result).toMatchObject({ accepted: false, code: "unreachable:refused" });
    expect(result.explanation.title).toBe("Connection refused");
  });

  it("reports an unknown host as host not found", async () => {
    const result = await probeDpsConnection(client, {
      idScope: TEST_ID_SCOPE,
      host: "no-such-dps.invalid",
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: null,
    });
    expect(result).toMatchObject({ accepted: false, code: "unreachable:dns" });
    expect(result.explanation.title).toBe("Host not found");
  });

  it("reports an untrusted certificate as a TLS failure with the HIC_DPS_CA_FILE hint", async () => {
    const untrusting = createDpsClient(quick);
    const result = await probeDpsConnection(untrusting, {
      idScope: TEST_ID_SCOPE,
      host,
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: null,
    });
    expect(result).toMatchObject({ accepted: false, code: "unreachable:tls" });
    expect(result.explanation.nextStep).toMatch(/HIC_DPS_CA_FILE/);
  });
});

describe("testDpsConnection (data-access layer)", () => {
  let adminEmail: string;

  beforeEach(async () => {
    await truncate("audit_log", "integrations", "users");
    adminEmail = (await signInAs("admin", "admin@example.com")).email;
    dps.client = client;
  });

  const form = (overrides: Record<string, unknown> = {}) =>
    dpsIntegrationSchema.parse({
      mode: "connect",
      version: 0,
      idScope: TEST_ID_SCOPE,
      host,
      primaryKey: FLEET_PRIMARY_KEY,
      secondaryKey: "",
      registrationsPerMinute: 1000,
      ...overrides,
    });

  async function lastTestAudit() {
    const rows = await getDb().select().from(auditLog).where(eq(auditLog.action, "integration.test"));
    return rows.at(-1);
  }

  it("tests typed values before saving, without touching the tile", async () => {
    dps.resumed = 0;
    const result = await testDpsConnection(form({ primaryKey: WRONG_KEY }));
    expect(dps.resumed).toBe(0);
    expect(result).toMatchObject({
      accepted: false,
      recordedOnTile: false,
      explanation: { title: "DPS rejected the ID Scope or the key" },
    });
    expect(await getDb().select().from(integrations)).toHaveLength(0);
    const audit = await lastTestAudit();
    expect(audit).toMatchObject({
      outcome: "failure",
      actorEmail: adminEmail,
      detail: { tested: "values typed in the dialog", result: "unauthorized::401:401002" },
    });
    expect(JSON.stringify(audit)).not.toContain(WRONG_KEY);
  });

  it("tests the stored configuration and records the outcome on the tile", async () => {
    await saveDpsIntegration(form());
    dps.resumed = 0;
    expect(await testDpsConnection({ mode: "stored" })).toMatchObject({
      accepted: true,
      recordedOnTile: true,
    });
    // DPS accepts the stored key: provisioning that waited for a working key resumes by itself.
    expect(dps.resumed).toBe(1);
    expect(await lastTestAudit()).toMatchObject({
      detail: { provisioning: "resumed: DPS accepts the stored key again" },
    });
    expect((await getDpsIntegration()).lastSuccess?.summary).toMatch(/DPS accepted the primary key/);

    // The group's keys are regenerated in Azure: the stored key stops working.
    emulator.admin.patchConfig({
      enrollmentGroups: [{ enrollmentGroupId: "fleet", primaryKey: WRONG_KEY, secondaryKey: WRONG_KEY }],
    });
    try {
      expect(await testDpsConnection({ mode: "stored" })).toMatchObject({
        accepted: false,
        recordedOnTile: true,
      });
      expect(dps.resumed).toBe(1);
    } finally {
      emulator.admin.reset({ restoreStartupConfig: true });
    }
    expect(await getDpsIntegration()).toMatchObject({
      state: "needs-attention",
      lastFailure: { explanation: { title: "DPS rejected the ID Scope or the key" } },
    });
    expect(await lastTestAudit()).toMatchObject({ detail: { tested: "saved configuration" } });
  });

  it("tests with the stored key when the key field is left empty on edit, and counts that as the stored configuration", async () => {
    await saveDpsIntegration(form());
    const result = await testDpsConnection(form({ mode: "edit", version: 1, primaryKey: "" }));
    expect(result).toMatchObject({ accepted: true, recordedOnTile: true });
    const otherHost = await testDpsConnection(
      form({ mode: "edit", version: 1, primaryKey: FLEET_PRIMARY_KEY, host: refusingHost }),
    );
    expect(otherHost).toMatchObject({
      accepted: false,
      recordedOnTile: false,
      explanation: { title: "Connection refused" },
    });
    expect((await getDpsIntegration()).lastFailure).toBeNull();
  });

  it("never sends the stored key to a newly typed host: the key must be entered again", async () => {
    await saveDpsIntegration(form());
    const before = emulator.admin.counters().byEndpoint.status.total;
    await expect(
      testDpsConnection(form({ mode: "edit", version: 1, primaryKey: "", host: refusingHost })),
    ).rejects.toMatchObject({
      fieldErrors: { primaryKey: [expect.stringMatching(/hostname changed/)] },
    });
    await expect(
      saveDpsIntegration(form({ mode: "edit", version: 1, primaryKey: "", host: refusingHost })),
    ).rejects.toMatchObject({
      fieldErrors: { primaryKey: [expect.stringMatching(/hostname changed/)] },
    });
    expect(emulator.admin.counters().byEndpoint.status.total).toBe(before);
  });

  it("refuses a host outside the outbound policy at the field, naming the setting, before any request", async () => {
    for (const bad of ["127.0.0.1:5432", "169.254.169.254", "10.0.0.8:443", "dps.example.com"]) {
      await expect(testDpsConnection(form({ host: bad }))).rejects.toMatchObject({
        fieldErrors: { host: [expect.stringMatching(/HIC_DPS_ALLOWED_HOSTS/)] },
      });
      await expect(saveDpsIntegration(form({ host: bad }))).rejects.toMatchObject({
        fieldErrors: { host: [expect.stringMatching(/HIC_DPS_ALLOWED_HOSTS/)] },
      });
    }
    expect(await getDb().select().from(integrations)).toHaveLength(0);
  });

  it("refuses to test a stored configuration that does not exist", async () => {
    await expect(testDpsConnection({ mode: "stored" })).rejects.toThrow(
      "Azure DPS is not connected: there is nothing stored to test.",
    );
  });
});
