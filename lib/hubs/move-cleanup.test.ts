import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localHubRegistryClient } from "@/tests/support/iot-hub-emulator";
import { getDb } from "@/lib/database";
import { truncate } from "@/tests/support/db";
import { FLEET_GROUP, HUB_A, HUB_B, type TestEmulator } from "@/tests/support/dps-emulator";
import { connectDps, startEmulatorAndEngine } from "@/tests/support/provisioning";
import { provisionDeviceNow, shutdownProvisioning } from "@/lib/provisioning";
import { parseHubConnectionString, type HubRegistryClient } from "@/lib/iot-hub/service";
import { cleanMovedHubs } from "./move-cleanup";

/** For paths where the app must not call the hub at all. */
const untouchable = new Proxy({} as HubRegistryClient, {
  get: (_, name) => () => {
    throw new Error(`the hub's ${String(name)} must not be called here`);
  },
});

async function deviceOn(
  registrationId: string,
  hub: string,
  dpsDeviceId: string | null = null,
): Promise<number> {
  const { rows } = await getDb().$client.query<{ id: string }>(
    `insert into devices (registration_id, status, assigned_hub, dps_device_id) values ($1, 'assigned', $2, $3) returning id`,
    [registrationId, hub, dpsDeviceId],
  );
  return Number(rows[0]!.id);
}

const moveTo = (id: number, hub: string, dpsDeviceId?: string) =>
  getDb().$client.query(
    `update devices set assigned_hub = $2, dps_device_id = coalesce($3, dps_device_id) where id = $1`,
    [id, hub, dpsDeviceId ?? null],
  );

const queued = async () =>
  (
    await getDb().$client.query(
      `select device_id::int, old_hub, hub_device_id, new_hub from hub_move_cleanups order by id`,
    )
  ).rows;

const oldHubHistory = async (id: number) =>
  (
    await getDb().$client.query(
      `select outcome, hub, error_message from provisioning_history where device_id = $1 and trigger = 'old-hub-cleanup' order by id`,
      [id],
    )
  ).rows;

beforeEach(async () => {
  await truncate("devices", "hub_move_cleanups", "audit_log", "integrations");
  await getDb().$client.query(`insert into integrations (id) values ('azure-dps')`);
});

const setCleanup = (on: boolean) =>
  getDb().$client.query(`update integrations set clean_old_hub_on_move = $1`, [on]);

describe("moves queue the old hub's cleanup in the statement that records them", () => {
  it("queues nothing while the setting is off, and every move (not a first assignment) once it is on", async () => {
    const id = await deviceOn("move-1", HUB_A, "move-1-device");
    await moveTo(id, HUB_B);
    expect(await queued()).toEqual([]);

    await setCleanup(true);
    await moveTo(id, HUB_A);
    const [fresh] = await getDb()
      .$client.query<{ id: string }>(`insert into devices (registration_id) values ('fresh-1') returning id`)
      .then((r) => r.rows);
    await moveTo(Number(fresh!.id), HUB_A); // a first assignment: nothing to clean
    await moveTo(id, "HUB-A.azure-devices.net"); // the same hub, spelt otherwise: not a move
    expect(await queued()).toEqual([
      { device_id: id, old_hub: HUB_B, hub_device_id: "move-1-device", new_hub: HUB_A },
    ]);
  });

  it("leaves the identity, and says why in the device's history, when the old hub has no credentials", async () => {
    await setCleanup(true);
    const id = await deviceOn("move-2", HUB_A);
    await moveTo(id, HUB_B, "move-2");
    expect(
      await cleanMovedHubs({ pool: getDb().$client, hubClient: untouchable, loadHub: async () => null }),
    ).toEqual({
      more: false,
    });
    expect(await oldHubHistory(id)).toEqual([
      {
        outcome: "old identity left",
        hub: HUB_A,
        error_message: `Its identity stays in ${HUB_A}: no hub credentials are saved for ${HUB_A}.`,
      },
    ]);
    expect(await queued()).toEqual([]);
    const { rows: audit } = await getDb().$client.query(
      `select outcome, target, detail from audit_log where action = 'device.clean-old-hub'`,
    );
    expect(audit).toMatchObject([
      { outcome: "failure", target: "move-2", detail: { oldHub: HUB_A, newHub: HUB_B } },
    ]);
  });

  it("leaves it with a read-only policy, and keeps it when the device is back on that hub", async () => {
    await setCleanup(true);
    const readOnly = await deviceOn("move-3", HUB_A);
    const back = await deviceOn("move-4", HUB_A);
    await moveTo(readOnly, HUB_B);
    await moveTo(back, HUB_B);
    await moveTo(back, HUB_A);
    await cleanMovedHubs({
      pool: getDb().$client,
      hubClient: untouchable,
      loadHub: async (hub) => ({
        connection: { hostName: hub, policyName: "registryRead", key: "a2V5" },
        rights: { registryRead: true, registryWrite: false },
      }),
    });
    expect(await oldHubHistory(readOnly)).toMatchObject([
      { outcome: "old identity left", error_message: expect.stringContaining("lacks registryWrite") },
    ]);
    // Its move back to A queued B's cleanup (an identity it left there), and A's is not deleted.
    expect((await oldHubHistory(back)).map((row) => row.outcome).sort()).toEqual([
      "old identity kept",
      "old identity left",
    ]);
    expect(JSON.stringify(await oldHubHistory(readOnly))).not.toContain("a2V5");
  });
});

describe("a re-provision onto another hub, with the old hub's cleanup on, against the local IoT Hub", () => {
  let emulator: TestEmulator;
  let hubClient: HubRegistryClient;
  beforeAll(async () => {
    emulator = await startEmulatorAndEngine();
    hubClient = localHubRegistryClient(emulator, { sleep: async () => {} });
  });
  afterAll(async () => {
    await shutdownProvisioning();
    await emulator?.dispose();
  });

  const writable = (hub: string) => {
    const text = emulator.iotHub.connection.hubs.find(
      (h) => h.hostName === hub,
    )!.registryReadWriteConnectionString;
    const parsed = parseHubConnectionString(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return { connection: parsed.value, rights: { registryRead: true, registryWrite: true } };
  };

  it("deletes the identity in the old hub (once; a second pass finds it gone), retrying a hub that is down", async () => {
    await truncate("devices", "hub_move_cleanups", "audit_log", "integrations");
    emulator.admin.reset({ restoreStartupConfig: true });
    emulator.iotHub.admin.reset();
    await connectDps(emulator);
    await setCleanup(true);
    const { rows } = await getDb().$client.query<{ id: string }>(
      `insert into devices (registration_id) values ('moving-1') returning id`,
    );
    const id = Number(rows[0]!.id);
    const first = await provisionDeviceNow(id, { trigger: "add", actor: null });
    const oldHub = first.hub!;
    const newHub = oldHub === HUB_A ? HUB_B : HUB_A;
    emulator.admin.patchConfig({
      enrollmentGroups: [
        { enrollmentGroupId: FLEET_GROUP.enrollmentGroupId, allocationPolicy: "static", iotHubs: [newHub] },
      ],
    });
    expect((await provisionDeviceNow(id, { trigger: "reprovision", actor: null })).hub).toBe(newHub);
    expect(emulator.iotHub.admin.getIdentity(oldHub, "moving-1")).toBeDefined();

    const deps = { pool: getDb().$client, hubClient, loadHub: async (hub: string) => writable(hub) };
    emulator.iotHub.admin.setHubOnline(oldHub, false);
    await cleanMovedHubs(deps);
    // The hub did not answer: tried again later, nothing recorded yet.
    expect(await oldHubHistory(id)).toEqual([]);
    const [waiting] = (
      await getDb().$client.query(`select tries, next_try_at > now() as later from hub_move_cleanups`)
    ).rows;
    expect(waiting).toEqual({ tries: 1, later: true });

    emulator.iotHub.admin.setHubOnline(oldHub, true);
    await getDb().$client.query(`update hub_move_cleanups set next_try_at = now()`);
    await cleanMovedHubs(deps);
    expect(emulator.iotHub.admin.getIdentity(oldHub, "moving-1")).toBeUndefined();
    expect(emulator.iotHub.admin.getIdentity(newHub, "moving-1")).toBeDefined();
    expect(await oldHubHistory(id)).toEqual([
      { outcome: "old identity deleted", hub: oldHub, error_message: null },
    ]);

    // Moved back and forth again: the old hub (newHub's turn now) had it deleted already by hand.
    emulator.admin.patchConfig({
      enrollmentGroups: [
        { enrollmentGroupId: FLEET_GROUP.enrollmentGroupId, allocationPolicy: "static", iotHubs: [oldHub] },
      ],
    });
    expect((await provisionDeviceNow(id, { trigger: "reprovision", actor: null })).hub).toBe(oldHub);
    emulator.iotHub.admin.deleteIdentity(newHub, "moving-1");
    await cleanMovedHubs(deps);
    expect((await oldHubHistory(id)).at(-1)).toEqual({
      outcome: "old identity already gone",
      hub: newHub,
      error_message: null,
    });
  });
});
