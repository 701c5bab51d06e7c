import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { truncate } from "@/tests/support/db";
import type { HubRegistryClient } from "@/lib/iot-hub/service";
import { cleanMovedHubs } from "./move-cleanup";

const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";

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
