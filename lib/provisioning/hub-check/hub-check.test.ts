import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { env, setEnv } from "@/lib/env";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import { connectDps, insertDevices, startEmulatorAndEngine, waitFor } from "@/tests/support/provisioning";
import { localHubSettings } from "@/tests/support/iot-hub-emulator";
import {
  enqueueProvisioning,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "../index";
import { encryptSecret } from "@/lib/secrets/envelope";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import { currentKek } from "@/lib/secrets/secret-key";
import { checkHubNow } from "./check-now";

// A short streak and quick probes, so an outage is seen and its end noticed within a second or two.
const SETTINGS = { circuitFailures: 3, probeMinMs: 200, probeMaxMs: 400 };

let emulator: TestEmulator;
let worker: ProvisioningWorker;
const saved = { ...env() };

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine({}, SETTINGS);
  // As the launcher does: every hub of the emulator at the local IoT Hub, its CA trusted for hubs only.
  setEnv(localHubSettings(emulator, "on"));
  await connectDps(emulator);
  worker = await startProvisioningWorker({ concurrency: 16 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
  setEnv(saved);
});

beforeEach(() => {
  for (const hub of emulator.iotHub.admin.hubs()) {
    emulator.iotHub.admin.setHubOnline(hub.hostName, true);
    emulator.iotHub.admin.setHubThrottled(hub.hostName, false);
  }
});

async function hubStatusesOf(prefix: string) {
  return sql<{ hub_status: string; n: number }>(
    `select hub_status::text, count(*)::int as n from devices where registration_id like $1 group by 1 order by 1`,
    [`${prefix}-%`],
  );
}

async function provision(prefix: string, count: number): Promise<number[]> {
  const ids = await insertDevices(count, prefix);
  await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
  return ids;
}

const allConnected = (count: number) => (rows: { hub_status: string; n: number }[]) =>
  rows.length === 1 && rows[0]!.hub_status === "connected" && rows[0]!.n === count;

describe("hub check after every assignment (against the local IoT Hub)", () => {
  it("connects each assigned device to its hub as the device: Connected with the hub, a history row, the reported patch in its twin", async () => {
    await provision("hc-ok", 20);
    await waitFor(() => hubStatusesOf("hc-ok"), allConnected(20), 30_000, "all connected");
    const [row] = await sql<{
      hub_checked_hub: string;
      assigned_hub: string;
      dps_device_id: string;
      due: boolean;
    }>(
      "select hub_checked_hub, assigned_hub, dps_device_id, hub_check_due_at is not null as due from devices where registration_id = 'hc-ok-00003'",
    );
    expect(row?.hub_checked_hub).toBe(row?.assigned_hub);
    expect(row?.due).toBe(false);
    const history = await sql<{ outcome: string; trigger: string }>(
      "select h.outcome, h.trigger from provisioning_history h join devices d on d.id = h.device_id where d.registration_id = 'hc-ok-00003' order by h.id",
    );
    expect(history).toEqual([
      { outcome: "assigned", trigger: "import" },
      { outcome: "hub-connected", trigger: "hub-check" },
    ]);
    const identity = emulator.iotHub.admin.getIdentity(row!.assigned_hub, row!.dps_device_id);
    expect(identity?.twin.reported).toMatchObject({
      provisioning: { by: "hyperscaler-integration-center", registrationId: "hc-ok-00003" },
    });
    // The counts by hub status stay exact.
    const counts = await sql<{ hub_status: string; count: number }>(
      "select hub_status::text, count::int from device_hub_counts where count > 0 order by 1",
    );
    const exact = await sql<{ hub_status: string; count: number }>(
      "select hub_status::text, count(*)::int as count from devices group by 1 order by 1",
    );
    expect(counts).toEqual(exact);
  });

  it("checks again after a re-provisioning", async () => {
    const [id] = await provision("hc-again", 1);
    await waitFor(() => hubStatusesOf("hc-again"), allConnected(1), 30_000, "connected");
    await enqueueProvisioning({ deviceIds: [id!] }, { trigger: "reprovision", actor: null });
    await waitFor(
      () =>
        sql<{ n: number }>(
          "select count(*)::int as n from provisioning_history where device_id = $1 and outcome = 'hub-connected'",
          [id],
        ),
      (rows) => rows[0]!.n === 2,
      30_000,
      "a second check",
    );
  });

  it("records a disabled identity as Refused with its code, cause and next step, without retrying it; the device stays assigned", async () => {
    const [id] = await provision("hc-no", 1);
    await waitFor(() => hubStatusesOf("hc-no"), allConnected(1), 30_000, "connected");
    const [device] = await sql<{ assigned_hub: string; dps_device_id: string }>(
      "select assigned_hub, dps_device_id from devices where id = $1",
      [id],
    );
    emulator.iotHub.admin.setIdentityStatus(device!.assigned_hub, device!.dps_device_id, "disabled");
    const outcome = await checkHubNow(id!, { id: "", email: "operator@example.com" } as never);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({
      kind: "checked",
      verdict: { hubStatus: "refused" },
    });
    const [refused] = await sql<{
      status: string;
      hub_status: string;
      hub_error_code: string;
      hub_error_message: string;
      hub_next_step: string;
      due: boolean;
    }>(
      "select status::text, hub_status::text, hub_error_code, hub_error_message, hub_next_step, hub_check_due_at is not null as due from devices where id = $1",
      [id],
    );
    expect(refused).toMatchObject({ status: "assigned", hub_status: "refused", due: false });
    // IoT Hub turns a disabled identity away with "server unavailable" (3); the hub takes other devices.
    expect(refused?.hub_error_code).toBe("3");
    expect(refused?.hub_error_message).toMatch(/identity is disabled/);
    expect(refused?.hub_next_step).toMatch(/^Re-provision, or check the identity in the hub/);
    const [last] = await sql<{ outcome: string; trigger: string; triggered_by_email: string }>(
      "select outcome, trigger, triggered_by_email from provisioning_history where device_id = $1 order by id desc limit 1",
      [id],
    );
    expect(last).toEqual({
      outcome: "hub-refused",
      trigger: "hub-check-manual",
      triggered_by_email: "operator@example.com",
    });
  });

  it("tells a disabled identity alone on its hub from a busy hub by reading the hub's registry, once the hub has credentials that may read it", async () => {
    const [id] = await provision("hc-lone", 1);
    await waitFor(() => hubStatusesOf("hc-lone"), allConnected(1), 30_000, "connected");
    const [device] = await sql<{ assigned_hub: string; dps_device_id: string }>(
      "select assigned_hub, dps_device_id from devices where id = $1",
      [id],
    );
    const hub = device!.assigned_hub;
    emulator.iotHub.admin.setIdentityStatus(hub, device!.dps_device_id, "disabled", "lost in the field");
    const recheck = () =>
      sql("update devices set hub_check_due_at = now(), hub_check_tries = 0 where id = $1", [id]);
    const state = () =>
      sql<{
        hub_status: string;
        tries: number;
        hub_error_message: string | null;
        hub_next_step: string | null;
      }>(
        "select hub_status::text, hub_check_tries as tries, hub_error_message, hub_next_step from devices where id = $1",
        [id],
      );

    // Without credentials: nothing but this device connects to the hub meanwhile, so its "server
    // unavailable" (3) reads as the hub's and the device waits, checked again and again.
    await recheck();
    await waitFor(state, ([row]) => row!.tries >= 3, 30_000, "retried");
    expect((await state())[0]).toMatchObject({ hub_status: "unreachable" });

    // With a registryRead credential saved for the hub: the registry says disabled, with its reason.
    const strings = emulator.iotHub.connection.hubs.find((h) => h.hostName === hub)!;
    const key = /SharedAccessKey=([^;]+)/.exec(strings.registryReadConnectionString)![1]!;
    await sql(
      "insert into hub_credentials (hub_host, policy_name, key_ciphertext, rights, rights_checked_at) values ($1, 'registryRead', $2, $3, now())",
      [
        hub,
        encryptSecret(key, currentKek(), hubCredentialKeyContext(hub)),
        JSON.stringify({ registryRead: true, registryWrite: false }),
      ],
    );
    try {
      await recheck();
      await waitFor(state, ([row]) => row!.hub_status === "refused", 30_000, "refused");
      expect((await state())[0]!.hub_error_message).toMatch(
        /registry shows this device's identity is disabled \(reason given: "lost in the field"\)/,
      );
      expect((await state())[0]!.hub_next_step).toMatch(/^Enable the identity in the hub/);

      // A person's check asks the registry at once; enabled again, the device connects.
      const outcome = await checkHubNow(id!, { id: "", email: "operator@example.com" } as never);
      expect(outcome).toMatchObject({ kind: "checked", verdict: { hubStatus: "refused", errorCode: "3" } });
      emulator.iotHub.admin.setIdentityStatus(hub, device!.dps_device_id, "enabled");
      expect(await checkHubNow(id!, { id: "", email: "operator@example.com" } as never)).toMatchObject({
        kind: "checked",
        verdict: { hubStatus: "connected" },
      });
    } finally {
      await sql("delete from hub_credentials where hub_host = $1", [hub]);
    }
  });

  it("finds a deleted identity Refused (not authorized, 5)", async () => {
    const [id] = await provision("hc-gone", 1);
    await waitFor(() => hubStatusesOf("hc-gone"), allConnected(1), 30_000, "connected");
    const [device] = await sql<{ assigned_hub: string; dps_device_id: string }>(
      "select assigned_hub, dps_device_id from devices where id = $1",
      [id],
    );
    emulator.iotHub.admin.deleteIdentity(device!.assigned_hub, device!.dps_device_id);
    const outcome = await checkHubNow(id!, { id: "", email: "operator@example.com" } as never);
    expect(outcome).toMatchObject({ kind: "checked", verdict: { hubStatus: "refused", errorCode: "5" } });
  });

  it("lets devices wait while their hubs are offline, none failed, and connects them within seconds of their return", async () => {
    for (const hub of emulator.iotHub.admin.hubs()) emulator.iotHub.admin.setHubOnline(hub.hostName, false);
    await provision("hc-down", 30);
    await waitFor(
      () =>
        sql<{ n: number }>(
          "select count(*)::int as n from devices where registration_id like 'hc-down-%' and status = 'assigned'",
        ),
      (rows) => rows[0]!.n === 30,
      30_000,
      "all assigned",
    );
    await waitFor(
      () => sql<{ n: number }>("select count(*)::int as n from hub_circuits where consecutive_failures >= 3"),
      (rows) => rows[0]!.n >= 1,
      10_000,
      "a hub circuit open",
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      await sql("select 1 from devices where registration_id like 'hc-down-%' and status <> 'assigned'"),
    ).toEqual([]);
    expect(
      await sql(
        "select 1 from devices where registration_id like 'hc-down-%' and hub_status in ('connected', 'refused')",
      ),
    ).toEqual([]);
    const back = Date.now();
    for (const hub of emulator.iotHub.admin.hubs()) emulator.iotHub.admin.setHubOnline(hub.hostName, true);
    await waitFor(() => hubStatusesOf("hc-down"), allConnected(30), 15_000, "all connected again");
    expect(Date.now() - back).toBeLessThan(10_000);
  });

  it("treats a throttling hub like an unavailable one: the devices wait, then connect", async () => {
    for (const hub of emulator.iotHub.admin.hubs()) emulator.iotHub.admin.setHubThrottled(hub.hostName, true);
    await provision("hc-slow", 10);
    await waitFor(
      () =>
        sql<{ n: number }>(
          "select count(*)::int as n from devices where registration_id like 'hc-slow-%' and status = 'assigned'",
        ),
      (rows) => rows[0]!.n === 10,
      30_000,
      "all assigned",
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      await sql("select 1 from devices where registration_id like 'hc-slow-%' and hub_status = 'connected'"),
    ).toEqual([]);
    for (const hub of emulator.iotHub.admin.hubs())
      emulator.iotHub.admin.setHubThrottled(hub.hostName, false);
    await waitFor(() => hubStatusesOf("hc-slow"), allConnected(10), 15_000, "all connected");
  });
});
