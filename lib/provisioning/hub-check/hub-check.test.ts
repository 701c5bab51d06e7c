import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { env, setEnv } from "@/lib/env";
import { deriveDeviceKey } from "@/lib/dps";
import { createDeviceSasToken } from "@/lib/iot-hub";
import { parseHubAddressRules } from "@/lib/iot-hub/hub-addresses";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import { startScriptedHub, type ScriptedHub } from "@/tests/support/scripted-hub";
import {
  connectDps,
  FLEET_PRIMARY_KEY,
  HUB_A,
  HUB_B,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";
import {
  enqueueProvisioning,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "../index";
import { checkHubNow } from "./check-now";

// A short streak and quick probes, so an outage is seen and its end noticed within a second or two.
const SETTINGS = { circuitFailures: 3, probeMinMs: 200, probeMaxMs: 400 };

let emulator: TestEmulator;
let hub: ScriptedHub;
let worker: ProvisioningWorker;
const saved = { ...env() };
const refusedDevices = new Set<string>();

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;

/** The hub checks the token as IoT Hub does: signed with the key DPS derived for the device. */
function validToken(deviceId: string, hubHost: string, password: string): boolean {
  const expiry = Number(/se=(\d+)/.exec(password)?.[1]);
  return (
    password === createDeviceSasToken(hubHost, deviceId, deriveDeviceKey(FLEET_PRIMARY_KEY, deviceId), expiry)
  );
}

beforeAll(async () => {
  hub = await startScriptedHub([HUB_A, HUB_B]);
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), "hic-hub-")), "ca.pem");
  writeFileSync(caFile, hub.caPem);
  setEnv({
    HIC_IOT_HUB_ADDRESSES: parseHubAddressRules(`*.azure-devices.net=127.0.0.1:${hub.port}`).rules,
    HIC_IOT_HUB_CA_FILE: caFile,
    HIC_IOT_HUB_CHECK: "on",
  });
  emulator = await startEmulatorAndEngine({}, SETTINGS);
  await connectDps(emulator);
  worker = await startProvisioningWorker({ concurrency: 16 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
  await hub?.close();
  setEnv(saved);
});

beforeEach(() => {
  refusedDevices.clear();
  hub.script = {
    connect: (clientId, username, password) => {
      if (refusedDevices.has(clientId)) return 5;
      const hubHost = username.split("/")[0]!;
      return validToken(clientId, hubHost, password) ? 0 : 4;
    },
  };
});

async function hubStatusesOf(prefix: string) {
  return sql<{ hub_status: string; n: number }>(
    `select hub_status::text, count(*)::int as n from devices where registration_id like $1 group by 1 order by 1`,
    [`${prefix}-%`],
  );
}

describe("hub check after every assignment", () => {
  it("connects each assigned device to its hub as the device, and records Connected with the hub and a history row", async () => {
    const ids = await insertDevices(20, "hc-ok");
    await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
    await waitFor(
      () => hubStatusesOf("hc-ok"),
      (rows) => rows.length === 1 && rows[0]!.hub_status === "connected" && rows[0]!.n === 20,
      30_000,
      "all connected",
    );
    const [row] = await sql<{ hub_checked_hub: string; assigned_hub: string; due: boolean }>(
      "select hub_checked_hub, assigned_hub, hub_check_due_at is not null as due from devices where registration_id = 'hc-ok-00003'",
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
    expect(hub.patches).toContainEqual({
      provisioning: expect.objectContaining({
        by: "hyperscaler-integration-center",
        registrationId: "hc-ok-00003",
      }),
    });
    const counts = await sql<{ hub_status: string; count: number }>(
      "select hub_status::text, count::int from device_hub_counts",
    );
    const exact = await sql<{ hub_status: string; count: number }>(
      "select hub_status::text, count(*)::int as count from devices group by 1",
    );
    expect(
      counts.filter((c) => c.count > 0).sort((a, b) => a.hub_status.localeCompare(b.hub_status)),
    ).toEqual(exact.sort((a, b) => a.hub_status.localeCompare(b.hub_status)));
  });

  it("records a refusal with its code, cause and next step, once, without retrying it", async () => {
    refusedDevices.add("hc-no-00000");
    const ids = await insertDevices(2, "hc-no");
    await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
    await waitFor(
      () => hubStatusesOf("hc-no"),
      (rows) => rows.length === 2,
      30_000,
      "one refused, one connected",
    );
    const [refused] = await sql<{
      hub_status: string;
      hub_error_code: string;
      hub_error_message: string;
      hub_next_step: string;
      due: boolean;
    }>(
      "select hub_status::text, hub_error_code, hub_error_message, hub_next_step, hub_check_due_at is not null as due from devices where registration_id = 'hc-no-00000'",
    );
    expect(refused).toMatchObject({ hub_status: "refused", hub_error_code: "5", due: false });
    expect(refused?.hub_error_message).toMatch(/disabled or deleted, or re-created with another key/);
    expect(refused?.hub_next_step).toMatch(/^Re-provision, or check the identity in the hub/);
    // The device stays assigned in DPS terms: the hub's refusal is shown next to it, not instead of it.
    expect(
      (await sql("select 1 from devices where registration_id = 'hc-no-00000' and status = 'assigned'"))
        .length,
    ).toBe(1);
  });

  it("lets devices wait while their hub is unavailable, none failed, and connects them within seconds of its return", async () => {
    hub.script.connect = () => 3;
    const ids = await insertDevices(30, "hc-down");
    await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
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
    const connectsWhileDown = hub.connects.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The circuit keeps the load off: a probe now and then, not every device again and again.
    expect(hub.connects.length - connectsWhileDown).toBeLessThan(20);
    expect(
      await sql("select 1 from devices where registration_id like 'hc-down-%' and status <> 'assigned'"),
    ).toEqual([]);
    const back = Date.now();
    hub.script.connect = (clientId, username, password) =>
      validToken(clientId, username.split("/")[0]!, password) ? 0 : 4;
    await waitFor(
      () => hubStatusesOf("hc-down"),
      (rows) => rows.length === 1 && rows[0]!.hub_status === "connected",
      15_000,
      "all connected again",
    );
    expect(Date.now() - back).toBeLessThan(10_000);
  });

  it("checks now when a person asks, whatever is due, naming them in the history", async () => {
    const [id] = await insertDevices(1, "hc-now");
    await enqueueProvisioning({ deviceIds: [id!] }, { trigger: "add", actor: null });
    await waitFor(
      () => hubStatusesOf("hc-now"),
      (rows) => rows[0]?.hub_status === "connected",
      30_000,
      "connected",
    );
    refusedDevices.add("hc-now-00000");
    const outcome = await checkHubNow(id!, { id: "", email: "operator@example.com" } as never);
    expect(outcome).toMatchObject({ kind: "checked", verdict: { hubStatus: "refused", errorCode: "5" } });
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
});
