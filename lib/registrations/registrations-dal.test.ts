import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog } from "@/db/schema";
import { HUB_A, OWNER_POLICY, READER_POLICY, type TestEmulator } from "@/tests/support/dps-emulator";
import { shutdownProvisioning, startProvisioningWorker, type ProvisioningWorker } from "@/lib/provisioning";
import { connectDps, connectDpsService, startEmulatorAndEngine, waitFor } from "@/tests/support/provisioning";
import { registrationRecordsFilterSchema } from "@/lib/validation/registration-records";
import { signInAs } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const { getRegistrationRecordsOverview, listRegistrationFindings, exportRegistrationFindings } =
  await import("./registrations-dal");
const { reconcileRegistrationsAction } = await import("@/lib/actions/reconcile-registrations");
const { deleteOrphanRegistrationAction } = await import("@/lib/actions/delete-orphan-registration");

let emulator: TestEmulator;
let worker: ProvisioningWorker;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  worker = await startProvisioningWorker({ concurrency: 4 });
});
afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

beforeEach(async () => {
  await truncate(
    "audit_log",
    "users",
    "devices",
    "integrations",
    "registration_reconciliations",
    "dps_registration_records",
  );
  emulator.admin.reset({ restoreStartupConfig: true });
  await connectDps(emulator);
  await connectDpsService(emulator, OWNER_POLICY);
});

async function reconciled(): Promise<void> {
  expect(await reconcileRegistrationsAction({})).toMatchObject({
    ok: true,
    message: expect.stringMatching(/^Reconciliation started/),
  });
  await waitFor(
    getRegistrationRecordsOverview,
    (overview) => overview.current === null && overview.latest !== null,
    20_000,
    "the reconciliation to complete",
  );
}

async function audits(action: string) {
  return getDb()
    .select({ outcome: auditLog.outcome, target: auditLog.target, detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.action, action));
}

describe("the Registration records view's data access", () => {
  it("reconciles through the queue when an operator asks, and support staff see the outcome but may not start one", async () => {
    emulator.admin.addRegistrations([
      { registrationId: "orphan-a", assignedHub: HUB_A },
      { registrationId: "shared" },
    ]);
    await getDb().$client.query(`insert into devices (registration_id) values ('shared'), ('platform-only')`);
    await signInAs("operator");
    await reconciled();

    await signInAs("support");
    const overview = await getRegistrationRecordsOverview();
    expect(overview.latest).toMatchObject({
      status: "completed",
      enrollmentGroupId: "fleet",
      requestedBy: expect.stringMatching(/^operator-/),
      counts: { records: 2, orphans: 1, neverRegistered: 1, statusDiffers: 1 },
    });
    expect(overview.blocker).toBeNull();
    expect(
      (await listRegistrationFindings(registrationRecordsFilterSchema.parse({ finding: "orphan" }))).findings,
    ).toMatchObject([{ registrationId: "orphan-a", dpsHub: HUB_A }]);
    let csv = "";
    for await (const chunk of await exportRegistrationFindings({ finding: "all" })) csv += chunk;
    expect(csv.trim().split("\r\n")).toHaveLength(4);

    expect(await reconcileRegistrationsAction({})).toEqual({
      ok: false,
      message: "You do not have permission to do this.",
    });
    expect(await deleteOrphanRegistrationAction({ registrationId: "orphan-a" })).toEqual({
      ok: false,
      message: "You do not have permission to do this.",
    });
    expect(emulator.admin.getRegistration("orphan-a")).toBeDefined();
    expect((await audits("registrations.reconcile")).map((a) => a.outcome)).toEqual(["success", "denied"]);
    expect((await audits("registration.delete")).map((a) => a.outcome)).toEqual(["denied"]);
  });

  it("lets an operator delete an orphan's record in DPS under its etag; the device identity in the hub stays", async () => {
    emulator.admin.addRegistrations([
      { registrationId: "orphan-b", assignedHub: HUB_A },
      { registrationId: "orphan-c" },
    ]);
    await signInAs("operator");
    await reconciled();

    const result = await deleteOrphanRegistrationAction({ registrationId: "ORPHAN-B" });
    expect(result).toEqual({
      ok: true,
      message: `The registration record of orphan-b was deleted from Azure DPS. Its device identity stays in the IoT hub ${HUB_A}.`,
    });
    expect(emulator.admin.getRegistration("orphan-b")).toBeUndefined();
    expect((await getRegistrationRecordsOverview()).latest?.counts).toMatchObject({ records: 1, orphans: 1 });
    expect(
      (await listRegistrationFindings(registrationRecordsFilterSchema.parse({}))).findings.map(
        (f) => f.registrationId,
      ),
    ).toEqual(["orphan-c"]);
    expect(await audits("registration.delete")).toMatchObject([
      {
        outcome: "success",
        target: "orphan-b",
        detail: { dpsRecord: "deleted", note: "the device identity in the IoT hub stays" },
      },
    ]);

    // The record changed in DPS since it was read (the device registered again): DPS refuses, nothing is deleted.
    emulator.admin.addRegistrations({ registrationId: "orphan-c" });
    expect(await deleteOrphanRegistrationAction({ registrationId: "orphan-c" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^The registration record changed in DPS\. Reconcile again/),
    });
    expect(emulator.admin.getRegistration("orphan-c")).toBeDefined();

    // A device of that ID in the platform now is no orphan any more.
    await getDb().$client.query(`insert into devices (registration_id) values ('orphan-c')`);
    expect(await deleteOrphanRegistrationAction({ registrationId: "orphan-c" })).toMatchObject({
      ok: false,
      message: expect.stringContaining("exists in the platform now"),
    });
    expect(await deleteOrphanRegistrationAction({ registrationId: "nobody" })).toMatchObject({
      ok: false,
      message: expect.stringContaining("is not an orphan"),
    });
  });

  it("is refused by DPS for a read-only policy, and the record stays", async () => {
    emulator.admin.addRegistrations([{ registrationId: "orphan-d" }]);
    await signInAs("operator");
    await reconciled();
    // Rights not yet known (as before the first check): the app tries, and DPS refuses.
    await connectDpsService(emulator, READER_POLICY);
    await getDb().$client.query(`update integrations set service_rights = null`);
    expect(await deleteOrphanRegistrationAction({ registrationId: "orphan-d" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^DPS refused the service connection string/),
    });
    expect(emulator.admin.getRegistration("orphan-d")).toBeDefined();
    // Once the rights are known, the app says so itself.
    await connectDpsService(emulator, READER_POLICY);
    expect(await deleteOrphanRegistrationAction({ registrationId: "orphan-d" })).toMatchObject({
      ok: false,
      message: expect.stringContaining("lacks Registration status write"),
    });
  });

  it("says what is missing before a reconciliation can start", async () => {
    await getDb().$client.query(`update integrations set service_key_ciphertext = null`);
    await signInAs("operator");
    expect((await getRegistrationRecordsOverview()).blocker).toMatch(/^Save a service connection string/);
    expect(await reconcileRegistrationsAction({})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Save a service connection string/),
    });
    await connectDpsService(emulator, OWNER_POLICY, { enrollmentGroupId: null });
    expect(await reconcileRegistrationsAction({})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^The enrollment group is not known yet/),
    });
  });
});
