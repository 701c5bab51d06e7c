import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { OWNER_POLICY, type TestEmulator } from "@/tests/support/dps-emulator";
import { loadDpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { getEngine, shutdownProvisioning } from "@/lib/provisioning/engine";
import {
  connectDps,
  connectDpsService,
  HUB_A,
  HUB_B,
  startEmulatorAndEngine,
} from "@/tests/support/provisioning";
import { registrationRecordsFilterSchema } from "@/lib/validation/registration-records";
import { insertPlatformDevice, truncate, type PlatformDevice } from "@/tests/support/db";
import { exportFindingsCsv, listFindings } from "./list-findings";
import { insertRun } from "./run-lease";
import { runReconciliationSlice, type ReconcileDeps } from "./reconcile";

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
});
afterAll(async () => {
  await shutdownProvisioning();
  await emulator?.dispose();
});

const db = () => getDb().$client;
const deps = (extra: Partial<ReconcileDeps> = {}): ReconcileDeps => ({
  pool: getEngine().pool,
  serviceClient: getEngine().serviceClient,
  loadCredentials: loadDpsServiceCredentials,
  pageSize: 2,
  ...extra,
});

/** A device in the platform; assigned, it has the registration ID as DPS's device ID unless told otherwise. */
const platformDevice = (registrationId: string, values: PlatformDevice) =>
  insertPlatformDevice(registrationId, values, values.status === "assigned" ? registrationId : null);

async function reconcileToEnd(options: Partial<ReconcileDeps> = {}) {
  const { id } = await insertRun(db(), "fleet", null);
  for (let slice = 0; slice < 100; slice += 1) {
    const outcome = await runReconciliationSlice(deps(options), id, `job-${slice}`);
    if (outcome.kind !== "continue") return { id, outcome };
  }
  throw new Error("the reconciliation never finished");
}

beforeEach(async () => {
  await truncate(
    "devices",
    "integrations",
    "registration_reconciliations",
    "dps_registration_records",
    "rate_limiter",
  );
  emulator.admin.reset();
  await connectDps(emulator);
  await connectDpsService(emulator, OWNER_POLICY);
});

describe("reconciling DPS's registration records with the platform's devices", () => {
  it("finds orphans, devices DPS never saw, and disagreements on hub, status and device ID", async () => {
    emulator.admin.addRegistrations([
      { registrationId: "agree-1", assignedHub: HUB_A },
      { registrationId: "hub-moved", assignedHub: HUB_B },
      { registrationId: "failed-here", assignedHub: HUB_A },
      { registrationId: "other-id", assignedHub: HUB_A, deviceId: '=HYPERLINK("http://x")' },
      { registrationId: "orphan-1", assignedHub: HUB_B },
      { registrationId: "Orphan-2", assignedHub: HUB_A },
      { registrationId: "in-another-group", enrollmentGroupId: "retired" },
    ]);
    await platformDevice("AGREE-1", { status: "assigned", hub: HUB_A, deviceId: "agree-1" });
    await platformDevice("hub-moved", { status: "assigned", hub: HUB_A });
    await platformDevice("failed-here", { status: "failed" });
    await platformDevice("other-id", { status: "assigned", hub: HUB_A });
    await platformDevice("never-1", { status: "pending" });
    await platformDevice("never-2", { status: "failed" });
    await platformDevice("in-another-group", { status: "pending" });

    const { id, outcome } = await reconcileToEnd();

    expect(outcome).toEqual({
      kind: "completed",
      counts: {
        records: 6,
        orphans: 2,
        neverRegistered: 3,
        hubDiffers: 1,
        statusDiffers: 1,
        deviceIdDiffers: 1,
        agree: 1,
      },
    });
    const all = await listFindings(db(), id, registrationRecordsFilterSchema.parse({}));
    expect(all.findings.map((f) => [f.registrationId, f.kind, f.differences.join("+")])).toEqual([
      ["agree-1", "agrees", ""],
      ["failed-here", "differs", "status"],
      ["hub-moved", "differs", "hub"],
      ["in-another-group", "never-registered", ""],
      ["never-1", "never-registered", ""],
      ["never-2", "never-registered", ""],
      ["orphan-1", "orphan", ""],
      ["Orphan-2", "orphan", ""],
      ["other-id", "differs", "device-id"],
    ]);
    const orphans = await listFindings(
      db(),
      id,
      registrationRecordsFilterSchema.parse({ finding: "orphan" }),
    );
    expect(orphans.findings).toMatchObject([
      {
        registrationId: "orphan-1",
        dpsStatus: "assigned",
        dpsHub: HUB_B,
        devicePk: null,
        platformStatus: null,
      },
      { registrationId: "Orphan-2", dpsHub: HUB_A },
    ]);
    const hubMoved = await listFindings(db(), id, registrationRecordsFilterSchema.parse({ finding: "hub" }));
    expect(hubMoved.findings).toMatchObject([
      { registrationId: "hub-moved", dpsHub: HUB_B, platformHub: HUB_A },
    ]);
    expect(
      (await listFindings(db(), id, registrationRecordsFilterSchema.parse({ q: "ORPH" }))).findings,
    ).toHaveLength(2);
    expect(
      (await listFindings(db(), id, registrationRecordsFilterSchema.parse({ hub: HUB_B }))).findings.map(
        (f) => f.registrationId,
      ),
    ).toEqual(["hub-moved", "orphan-1"]);

    // The export quotes what DPS said, with formula cells made harmless.
    let csv = "";
    for await (const chunk of exportFindingsCsv(db(), id, { finding: "device-id" })) csv += chunk;
    expect(csv.split("\r\n")[0]).toBe(
      "registrationId,finding,dpsStatus,dpsAssignedHub,platformStatus,platformAssignedHub,dpsDeviceId,platformDeviceId,dpsLastUpdated",
    );
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
  });

  it("pages by keyset through a thousand findings, forward and back", async () => {
    emulator.admin.generateRegistrations({ prefix: "many-", count: 1000, digits: 4 });
    const { id } = await reconcileToEnd({ pageSize: 1000 });
    const seen: string[] = [];
    let page = await listFindings(db(), id, registrationRecordsFilterSchema.parse({}), 300);
    seen.push(...page.findings.map((f) => f.registrationId));
    while (page.nextCursor) {
      page = await listFindings(
        db(),
        id,
        registrationRecordsFilterSchema.parse({ after: page.nextCursor }),
        300,
      );
      seen.push(...page.findings.map((f) => f.registrationId));
    }
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    const back = await listFindings(
      db(),
      id,
      registrationRecordsFilterSchema.parse({ before: page.prevCursor ?? undefined }),
      300,
    );
    expect(back.findings[0]!.registrationId).toBe("many-0601");
  });

  it("resumes after the last stored page when the worker running it dies, without reading DPS from the start again", async () => {
    emulator.admin.generateRegistrations({ prefix: "resume-", count: 7, digits: 2 });
    const { id } = await insertRun(db(), "fleet", null);
    const slice = { ...deps(), pageSize: 2, sliceMs: 0 };

    expect(await runReconciliationSlice(slice, id, "job-a")).toEqual({ kind: "continue" });
    // job-a handed the run back; job-b takes it, stores a page, and dies holding it.
    const continuing = await runReconciliationSlice(
      { ...slice, sliceMs: 60_000, pageSize: 2, signal: AbortSignal.abort() },
      id,
      "job-b",
    );
    expect(continuing).toEqual({ kind: "continue" });
    await db().query(
      `update registration_reconciliations set status = 'running', lease_owner = 'job-dead', heartbeat_at = now() where id = $1`,
      [id],
    );
    expect(await runReconciliationSlice(slice, id, "job-c")).toEqual({ kind: "not-claimed" });

    await db().query(
      `update registration_reconciliations set heartbeat_at = now() - interval '10 minutes' where id = $1`,
      [id],
    );
    const before = emulator.admin.counters().byEndpoint.service.total;
    let outcome = await runReconciliationSlice({ ...slice, sliceMs: 60_000 }, id, "job-d");
    expect(outcome).toMatchObject({ kind: "completed", counts: { records: 7, orphans: 7 } });
    // Pages 2 and 3 were not read again: only the rest (records 3 to 7, three pages).
    expect(emulator.admin.counters().byEndpoint.service.total - before).toBe(3);
    const { rows } = await db().query(
      `select pages, records_seen, resumes, status from registration_reconciliations where id = $1`,
      [id],
    );
    expect(rows[0]).toMatchObject({ pages: 4, records_seen: 7, resumes: 1, status: "completed" });
    outcome = await runReconciliationSlice(slice, id, "job-late");
    expect(outcome).toEqual({ kind: "not-claimed" });
  });

  it("stays within the operations quota: every page waits for its slot in the shared rate limiter", async () => {
    emulator.admin.setQuotas({
      registrationsPerMinute: 0,
      operationsPerMinute: 300,
      pollsPer10sPerDevice: 0,
    });
    try {
      await connectDps(emulator, { operationsPerMinute: 300 });
      getEngine().gate.invalidate();
      emulator.admin.generateRegistrations({ prefix: "paced-", count: 6 });
      const started = performance.now();
      const { outcome } = await reconcileToEnd({ pageSize: 1 });
      const elapsed = performance.now() - started;
      expect(outcome).toMatchObject({ kind: "completed", counts: { records: 6 } });
      // Six pages at 300/min (paced 2 % under it): at least five gaps of ~204 ms.
      expect(elapsed).toBeGreaterThan(5 * 200);
      expect(emulator.admin.counters().throttled).toBe(0);
    } finally {
      emulator.admin.setQuotas({
        registrationsPerMinute: 0,
        operationsPerMinute: 0,
        pollsPer10sPerDevice: 0,
      });
    }
  });

  it("fails with DPS's reason when the policy may no longer read registration records", async () => {
    emulator.admin.patchConfig({
      servicePolicies: [{ name: OWNER_POLICY.name, rights: ["enrollmentRead"] }],
    });
    try {
      const { id, outcome } = await reconcileToEnd();
      expect(outcome).toEqual({ kind: "failed", reason: "unauthorized" });
      const { rows } = await db().query(
        `select status, failure_message from registration_reconciliations where id = $1`,
        [id],
      );
      expect(rows[0]).toMatchObject({
        status: "failed",
        failure_message: expect.stringMatching(
          /^DPS refused the service connection string\..*registrationStatusRead/,
        ),
      });
    } finally {
      emulator.admin.patchConfig({
        servicePolicies: [
          {
            name: OWNER_POLICY.name,
            rights: [
              "enrollmentRead",
              "enrollmentWrite",
              "registrationStatusRead",
              "registrationStatusWrite",
            ],
          },
        ],
      });
    }
  });

  it("drops records DPS no longer has on the next run, and keeps one run active at a time", async () => {
    emulator.admin.addRegistrations([{ registrationId: "stays" }, { registrationId: "goes" }]);
    await reconcileToEnd();
    await db().query(`delete from dps_registration_records where false`);
    emulator.admin.reset();
    emulator.admin.addRegistrations([{ registrationId: "stays" }]);
    const first = await insertRun(db(), "fleet", null);
    const second = await insertRun(db(), "fleet", null);
    expect(second).toEqual({ id: first.id, created: false });
    await runReconciliationSlice(deps(), first.id, "job-x");
    const { rows } = await db().query<{ registration_id: string }>(
      `select registration_id from dps_registration_records order by 1`,
    );
    expect(rows.map((r) => r.registration_id)).toEqual(["stays"]);
    const { rows: findings } = await db().query(`select distinct run_id::int from registration_findings`);
    expect(findings).toEqual([{ run_id: first.id }]);
  });
});
