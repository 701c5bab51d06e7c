import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { createDpsClient, createDpsFetch, type DpsClient } from "@/lib/dps";
import { createDpsServiceClient, type DpsServiceClient } from "@/lib/dps/service/client";
import { setEnv } from "@/lib/env";
import {
  startTestEmulator,
  testConfig,
  TEST_ID_SCOPE,
  type TestEmulator,
} from "@/tests/support/dps-emulator";
import { leakedForms, secretForms } from "@/lib/secrets/leak-forms";
import { signInAs } from "@/tests/support/session";
import { CONNECTION_PROBE_REGISTRATION_ID } from "@/lib/dps/connection-probe";

const dps = vi.hoisted(() => ({
  client: null as DpsClient | null,
  service: null as DpsServiceClient | null,
}));
const logged = vi.hoisted(() => [] as string[]);
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
// A failing engine makes the save path log, so the log is part of what is checked.
vi.mock("@/lib/provisioning", () => ({
  getDpsHealth: async () => ({ state: "available" }),
  noteIntegrationChanged: () => {},
  resumeAfterKeyAccepted: async () => false,
  requestProvisioningOfUnassigned: async () => {
    throw new Error("engine unavailable");
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
vi.mock("./connection-test-client", () => ({
  connectionTestDpsClient: () => dps.client,
  connectionTestServiceClient: () => dps.service,
}));
vi.mock("@/lib/logger", () => {
  const record = (...args: unknown[]) => void logged.push(JSON.stringify(args));
  return {
    logger: { error: record, warn: record, info: record, debug: record, trace: record, fatal: record },
  };
});

const { saveDpsIntegrationAction } = await import("@/lib/actions/save-dps-integration");
const { testDpsConnectionAction } = await import("@/lib/actions/test-dps-connection");
const { getDpsIntegration } = await import("./integration-dal");
const { refreshServiceCheckIfDue } = await import("./service-refresh");
const { loadDpsServiceCredentials } = await import("./credentials");
const { insertRun } = await import("@/lib/registrations/run-lease");
const { runReconciliationSlice } = await import("@/lib/registrations/reconcile");

// Printable bytes, so the decoded key is searchable as text too.
const SENTINEL = Buffer.from("HIC-LEAK-SENTINEL-PRIMARY-0123456", "latin1").toString("base64");
const SENTINEL_SECONDARY = Buffer.from("HIC-LEAK-SENTINEL-SECONDARY-01234", "latin1").toString("base64");
const SERVICE_SENTINEL = Buffer.from("HIC-LEAK-SENTINEL-SERVICE-POLICY!", "latin1").toString("base64");
const FORMS = [
  ...secretForms(SENTINEL, [CONNECTION_PROBE_REGISTRATION_ID]),
  ...secretForms(SENTINEL_SECONDARY, [CONNECTION_PROBE_REGISTRATION_ID]),
  ...secretForms(SERVICE_SENTINEL),
];

let emulator: TestEmulator;

beforeAll(async () => {
  const config = testConfig();
  emulator = await startTestEmulator({
    ...config,
    enrollmentGroups: [
      { enrollmentGroupId: "fleet", primaryKey: SENTINEL_SECONDARY, secondaryKey: SENTINEL_SECONDARY },
    ],
    servicePolicies: [{ name: "leak-owner", primaryKey: SERVICE_SENTINEL, secondaryKey: SERVICE_SENTINEL }],
  });
  dps.client = createDpsClient({
    fetch: createDpsFetch({ caPem: emulator.caPem }),
    requestTimeoutMs: 5_000,
    retryPolicy: { maxAttempts: 1 },
  });
  dps.service = createDpsServiceClient({
    fetch: createDpsFetch({ caPem: emulator.caPem }),
    requestTimeoutMs: 5_000,
    retryPolicy: { maxAttempts: 1 },
  });
  setEnv({ HIC_DPS_ALLOWED_HOSTS: [`localhost:${emulator.port}`] });
  await signInAs("admin", "leak-admin@example.com");
});
afterAll(async () => emulator?.dispose());

describe("the enrollment group keys and the service policy key stay on the server", () => {
  it("appear in no action result, DTO, audit record, log line or database column in clear", async () => {
    const outputs: unknown[] = [];
    const serviceConnectionString = `HostName=localhost:${emulator.port};SharedAccessKeyName=leak-owner;SharedAccessKey=${SERVICE_SENTINEL}`;
    const form = {
      mode: "connect",
      version: 0,
      idScope: TEST_ID_SCOPE,
      host: `localhost:${emulator.port}`,
      primaryKey: SENTINEL,
      secondaryKey: SENTINEL_SECONDARY,
      registrationsPerMinute: 1000,
      serviceConnectionString,
    };

    // Typed values first (the primary is refused, the secondary accepted), then save, then the stored test.
    outputs.push(await testDpsConnectionAction(form));
    outputs.push(await saveDpsIntegrationAction(form));
    outputs.push(await testDpsConnectionAction({ mode: "stored" }));
    outputs.push(
      await testDpsConnectionAction({ ...form, mode: "edit", version: 1, primaryKey: "", secondaryKey: "" }),
    );
    // A refusal that echoes the input must not echo the key either.
    outputs.push(await saveDpsIntegrationAction({ ...form, mode: "edit", version: 0 }));
    outputs.push(await saveDpsIntegrationAction({ ...form, idScope: "bad scope!" }));
    outputs.push(
      await saveDpsIntegrationAction({
        ...form,
        serviceConnectionString: `${serviceConnectionString};DeviceId=x`,
      }),
    );
    outputs.push(await getDpsIntegration());
    // The worker's side: the periodic refresh and a reconciliation with the stored policy.
    outputs.push(await refreshServiceCheckIfDue(dps.service!, 0));
    emulator.admin.addRegistrations({ registrationId: "leak-orphan" });
    const { id } = await insertRun(getDb().$client, "fleet", null);
    outputs.push(
      await runReconciliationSlice(
        { pool: getDb().$client, serviceClient: dps.service!, loadCredentials: loadDpsServiceCredentials },
        id,
        "leak-job",
      ),
    );

    expect(outputs[0]).toMatchObject({ ok: true, data: { accepted: true, keyUsed: "secondary" } });
    expect(outputs[1]).toMatchObject({ ok: true });
    expect(outputs[2]).toMatchObject({
      ok: true,
      data: { accepted: true, service: { accepted: true, enrollmentGroupId: "fleet" } },
    });
    expect(outputs.at(-1)).toMatchObject({ kind: "completed", counts: { orphans: 1 } });
    expect(logged.length).toBeGreaterThan(0);

    const tables = await getDb().execute<{ name: string }>(
      sql`select table_name as name from information_schema.tables where table_schema = 'public'`,
    );
    const dump: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await getDb().execute<{ row: string }>(
        sql`select row_to_json(t)::text as row from ${sql.identifier(name)} t`,
      );
      dump.push(...rows.rows.map((r) => r.row));
    }
    expect(dump.join("\n")).toContain("v1:");

    expect(JSON.stringify(outputs)).not.toContain(serviceConnectionString);
    expect(leakedForms(JSON.stringify(outputs), FORMS)).toEqual([]);
    expect(leakedForms(logged.join("\n"), FORMS)).toEqual([]);
    expect(leakedForms(dump.join("\n"), FORMS)).toEqual([]);
  });
});
