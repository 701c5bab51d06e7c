import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog } from "@/db/schema";
import {
  fleetToken,
  OWNER_POLICY,
  READER_POLICY,
  registerAndWait,
  type TestEmulator,
} from "@/tests/support/dps-emulator";
import {
  provisionDeviceNow,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "@/lib/provisioning";
import {
  connectDps,
  connectDpsService,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";
import { signInAs } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const { removeDeviceAction } = await import("@/lib/actions/remove-device");
const { removeDevicesAction } = await import("@/lib/actions/remove-devices");
const { getDeviceForView, getDevicesOverview } = await import("./devices-dal");

let emulator: TestEmulator;
let worker: ProvisioningWorker;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  worker = await startProvisioningWorker({ concurrency: 16 });
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
  await signInAs("operator");
});

/** A device the app provisioned (its row holds the record's etag), like Add device does. */
async function provisioned(registrationId: string): Promise<number> {
  const { rows } = await getDb().$client.query<{ id: string }>(
    `insert into devices (registration_id) values ($1) returning id`,
    [registrationId],
  );
  const id = Number(rows[0]!.id);
  expect((await provisionDeviceNow(id, { trigger: "add", actor: null })).status).toBe("assigned");
  return id;
}

/** The record as the last reconciliation of the app's own enrollment group listed it. */
async function reconciled(registrationId: string, enrollmentGroupId = "fleet"): Promise<void> {
  const record = emulator.admin.getRegistration(registrationId)!;
  await getDb().$client.query(
    `insert into dps_registration_records (registration_key, registration_id, enrollment_group_id, status, etag, seen_in_run)
     values (lower($1), $1, $2, 'assigned', $3, 1)`,
    [registrationId, enrollmentGroupId, record.etag],
  );
}

async function removalAudits() {
  return getDb()
    .select({ outcome: auditLog.outcome, target: auditLog.target, detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.action, "device.remove"));
}

// No hub credentials are saved here: "clean" deletes the DPS record and, told to, leaves the hub
// identity (removal-steps.test.ts covers the hub's side).
describe("removing a device with its DPS registration record", () => {
  it("also deletes its registration record in DPS when asked, and says exactly what stays where", async () => {
    const id = await provisioned("clean-1");
    const hub = emulator.admin.getRegistration("clean-1")!.assignedHub!;
    expect((await getDevicesOverview()).recordCleanup).toEqual({
      available: true,
      policyName: "provisioningserviceowner",
    });

    const result = await removeDeviceAction({ deviceId: id, choice: "clean", leaveUncleanable: true });
    expect(result).toEqual({
      ok: true,
      message: `clean-1 was removed from the platform; its registration record was deleted from Azure DPS. Its identity stays in the IoT hub ${hub}, unchanged (no hub credentials are saved for ${hub}).`,
    });
    expect(emulator.admin.getRegistration("clean-1")).toBeUndefined();
    expect(await removalAudits()).toMatchObject([
      {
        outcome: "success",
        target: "clean-1",
        detail: {
          bulk: false,
          choice: "clean",
          lastHub: hub,
          dpsRecord: "deleted",
          hubIdentity: "left",
          hubIdentityLeftBecause: `no hub credentials are saved for ${hub}`,
        },
      },
    ]);
  });

  it("keeps the DPS record without the option, as before", async () => {
    const id = await provisioned("keep-1");
    const result = await removeDeviceAction({ deviceId: id });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringContaining(
        "keep-1 was removed from the platform; its registration record stays in Azure DPS.",
      ),
    });
    expect(emulator.admin.getRegistration("keep-1")).toBeDefined();
  });

  it("keeps the device, with the reason in its history, when DPS refuses (a record changed since, a read-only policy)", async () => {
    const id = await provisioned("changed-1");
    // The device registered again behind the platform's back: the record's etag is not the one the platform saw.
    await registerAndWait(emulator, "changed-1", fleetToken("changed-1"));
    const refused = await removeDeviceAction({ deviceId: id, choice: "clean", leaveUncleanable: true });
    expect(refused).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /^changed-1 was not removed: DPS registration record not deleted: The registration record changed in DPS\./,
      ),
    });
    expect(emulator.admin.getRegistration("changed-1")).toBeDefined();
    const view = await getDeviceForView(id);
    expect(view?.history[0]).toMatchObject({
      trigger: "remove",
      outcome: "not removed",
      errorCode: "412002",
      errorMessage: expect.stringContaining("record changed in DPS"),
    });
    expect(await removalAudits()).toMatchObject([
      {
        outcome: "failure",
        target: "changed-1",
        detail: {
          choice: "clean",
          dpsRecord: "not deleted",
          hubIdentity: "kept",
          deviceKept: true,
          httpStatus: 412,
        },
      },
    ]);

    await connectDpsService(emulator, READER_POLICY);
    expect((await getDevicesOverview()).recordCleanup.available).toBe(false);
    expect(await removeDeviceAction({ deviceId: id, choice: "clean" })).toMatchObject({
      ok: false,
      message: expect.stringContaining("lacks Registration status write"),
    });
    expect(await getDeviceForView(id)).not.toBeNull();
  });

  it("refuses to delete a record the app never registered and its own group's reconciliation never listed", async () => {
    const [unseen, elsewhere] = await insertDevices(2, "foreign");
    // Records under these registration IDs exist in DPS, from somewhere else (another enrollment).
    emulator.admin.addRegistrations({ registrationId: "foreign-00000", enrollmentGroupId: "retired" });
    emulator.admin.addRegistrations({ registrationId: "foreign-00001" });
    // One was listed, but by a reconciliation of another group: not the app's either.
    await reconciled("foreign-00000", "retired");
    for (const [id, rid] of [
      [unseen!, "foreign-00000"],
      [elsewhere!, "foreign-00001"],
    ] as const) {
      const refused = await removeDeviceAction({ deviceId: id, choice: "clean" });
      expect(refused).toMatchObject({
        ok: false,
        message: expect.stringContaining("The registration record may not be the app's to delete"),
      });
      expect(emulator.admin.getRegistration(rid)).toBeDefined();
      expect(await getDeviceForView(id)).not.toBeNull();
      expect((await getDeviceForView(id))?.history[0]).toMatchObject({
        trigger: "remove",
        outcome: "not removed",
      });
    }
    expect((await removalAudits()).map((a) => a.detail)).toMatchObject([
      { dpsRecord: "not deleted", deviceKept: true },
      { dpsRecord: "not deleted", deviceKept: true },
    ]);
    // Once its own group's reconciliation lists it, the record may go.
    await reconciled("foreign-00001");
    expect(
      await removeDeviceAction({ deviceId: elsewhere!, choice: "clean", leaveUncleanable: true }),
    ).toMatchObject({ ok: true });
    expect(emulator.admin.getRegistration("foreign-00001")).toBeUndefined();
  });

  it("removes a selection through the queue the same way, each outcome audited", async () => {
    const ids = [await provisioned("bulk-1"), await provisioned("bulk-2")];
    const [neverProvisioned] = await insertDevices(1, "bulk-unseen");
    emulator.admin.addRegistrations({ registrationId: "bulk-unseen-00000" });
    await reconciled("bulk-unseen-00000");

    const result = await removeDevicesAction({
      deviceIds: [...ids, neverProvisioned],
      choice: "clean",
      leaveUncleanable: true,
    });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringMatching(
        /^Removing 3 devices with their DPS registration records and hub identities\./,
      ),
    });
    await waitFor(
      async () => (await getDb().$client.query(`select count(*)::int as n from devices`)).rows[0].n as number,
      (n) => n === 0,
      20_000,
      "the devices to be removed",
    );
    expect(
      ["bulk-1", "bulk-2", "bulk-unseen-00000"].map((rid) => emulator.admin.getRegistration(rid)),
    ).toEqual([undefined, undefined, undefined]);
    // Each device's audit entry is written just after its row goes.
    const audits = await waitFor(removalAudits, (rows) => rows.length === 3, 10_000, "every removal audited");
    expect(audits.every((a) => a.outcome === "success" && (a.detail as { bulk: boolean }).bulk)).toBe(true);
    const [bulk] = await getDb().select().from(auditLog).where(eq(auditLog.action, "devices.remove"));
    expect(bulk?.detail).toMatchObject({ queued: 3, choice: "clean", leaveUncleanable: true });

    await signInAs("support");
    expect(await removeDevicesAction({ deviceIds: [1] })).toEqual({
      ok: false,
      message: "You do not have permission to do this.",
    });
  });
});
