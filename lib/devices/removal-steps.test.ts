import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { localHubRegistryClient } from "@/tests/support/iot-hub-emulator";
import { getDb } from "@/lib/database";
import { FLEET_PRIMARY_KEY, OWNER_POLICY, type TestEmulator } from "@/tests/support/dps-emulator";
import {
  provisionDeviceNow,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "@/lib/provisioning";
import { connectDps, connectDpsService, startEmulatorAndEngine, waitFor } from "@/tests/support/provisioning";
import { signInAs } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";
import {
  parseHubConnectionString,
  type HubRegistryClient,
  type HubRights,
  type HubServiceConnection,
} from "@/lib/iot-hub/service";

/**
 * The hub side of removing a device, against the local IoT Hub: each choice, a 404 counted as done,
 * a failing hub step leaving a retryable "removal incomplete", permissions per role, one audit entry
 * per device with each step's outcome, and no secret in any answer, audit entry or log line.
 * Hub credentials come from the emulator's connection info, as an administrator would save them.
 */

const saved = new Map<string, { connection: HubServiceConnection; rights: HubRights | null }>();
vi.mock("@/lib/hubs/hub-credentials-store", () => ({
  loadHubConnection: async (hub: string) => saved.get(hub.toLowerCase()) ?? null,
  listHubCredentialSummaries: async () =>
    [...saved].map(([hubHost, { connection, rights }]) => ({
      hubHost,
      policyName: connection.policyName,
      rights,
      savedAt: new Date(),
    })),
}));
let emulator: TestEmulator;
let hubClient: HubRegistryClient;
vi.mock("@/lib/iot-hub/service", async (original) => ({
  ...(await original<typeof import("@/lib/iot-hub/service")>()),
  hubRegistryClient: () => hubClient,
}));
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const logged: string[] = [];
const { logger } = await import("@/lib/logger");
for (const level of ["info", "warn", "error"] as const) {
  const original = logger[level].bind(logger);
  logger[level] = ((...args: unknown[]) => {
    logged.push(JSON.stringify(args));
    return (original as (...a: unknown[]) => void)(...args);
  }) as typeof logger.info;
}

const { removeDeviceAction } = await import("@/lib/actions/remove-device");
const { removeDevicesAction } = await import("@/lib/actions/remove-devices");
const { previewRemovalAction } = await import("@/lib/actions/preview-removal");
const { retryRemovalAction } = await import("@/lib/actions/retry-removal");
const { keepDeviceAction } = await import("@/lib/actions/keep-device");
const { getIncompleteRemoval } = await import("./device-removal-dal");

let worker: ProvisioningWorker;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  // The app's client as the launcher wires it, pointed at this emulator's hubs (no waiting between retries).
  hubClient = localHubRegistryClient(emulator, { sleep: async () => {} });
  worker = await startProvisioningWorker({ concurrency: 8 });
});
afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

function saveHub(hub: string, policy: "registryReadWrite" | "registryRead", rights: HubRights | null) {
  const info = emulator.iotHub.connection.hubs.find((h) => h.hostName === hub)!;
  const text =
    policy === "registryRead" ? info.registryReadConnectionString : info.registryReadWriteConnectionString;
  const parsed = parseHubConnectionString(text);
  if (!parsed.ok) throw new Error(parsed.message);
  saved.set(hub.toLowerCase(), { connection: parsed.value, rights });
}

const WRITE: HubRights = { registryRead: true, registryWrite: true };

/** Every secret of this run: the group key, the service policy's key, each hub policy's key. */
function secrets(): string[] {
  return [
    FLEET_PRIMARY_KEY,
    OWNER_POLICY.primaryKey,
    ...emulator.iotHub.connection.hubs.flatMap((h) =>
      [h.ownerConnectionString, h.registryReadConnectionString, h.registryReadWriteConnectionString].map(
        (s) => /SharedAccessKey=([^;]+)/.exec(s)![1]!,
      ),
    ),
  ];
}

async function expectNoSecretAnywhere(...answers: unknown[]) {
  const { rows } = await getDb().$client.query(`select detail, target from audit_log`);
  const { rows: removals } = await getDb().$client.query(`select * from device_removals`);
  const { rows: history } = await getDb().$client.query(`select error_message from provisioning_history`);
  const haystack = JSON.stringify([answers, rows, removals, history, logged]);
  for (const secret of secrets()) expect(haystack).not.toContain(secret);
}

async function provisioned(registrationId: string): Promise<{ id: number; hub: string }> {
  const { rows } = await getDb().$client.query<{ id: string }>(
    `insert into devices (registration_id) values ($1) returning id`,
    [registrationId],
  );
  const id = Number(rows[0]!.id);
  const outcome = await provisionDeviceNow(id, { trigger: "add", actor: null });
  expect(outcome.status).toBe("assigned");
  return { id, hub: outcome.hub! };
}

const identity = (hub: string, deviceId: string) => emulator.iotHub.admin.getIdentity(hub, deviceId);

async function audits() {
  const { rows } = await getDb().$client.query<{
    action: string;
    outcome: string;
    target: string;
    detail: object;
  }>(`select action, outcome, target, detail from audit_log where action like 'device%' order by id`);
  return rows;
}

beforeEach(async () => {
  await truncate("audit_log", "users", "devices", "integrations", "dps_registration_records");
  emulator.admin.reset({ restoreStartupConfig: true });
  emulator.iotHub.admin.reset();
  saved.clear();
  logged.length = 0;
  await connectDps(emulator);
  await connectDpsService(emulator, OWNER_POLICY);
  await signInAs("operator");
});

describe("removing a device with its DPS record and hub identity", () => {
  it("leaves neither in DPS nor in the hub, and audits each step", async () => {
    const { id, hub } = await provisioned("life-clean-1");
    saveHub(hub, "registryReadWrite", WRITE);
    expect(identity(hub, "life-clean-1")).toBeDefined();

    const preview = await previewRemovalAction({ deviceIds: [id] });
    expect(preview).toMatchObject({
      ok: true,
      data: { devices: [{ dpsRecord: { kind: "ready" }, hubIdentity: { kind: "ready" } }] },
    });
    const result = await removeDeviceAction({ deviceId: id, choice: "clean" });
    expect(result).toEqual({
      ok: true,
      message: `life-clean-1 was removed from the platform; its registration record was deleted from Azure DPS. Its identity was deleted from the IoT hub ${hub}.`,
    });
    expect(emulator.admin.getRegistration("life-clean-1")).toBeUndefined();
    expect(identity(hub, "life-clean-1")).toBeUndefined();
    expect(await audits()).toMatchObject([
      {
        action: "device.remove",
        outcome: "success",
        target: "life-clean-1",
        detail: { choice: "clean", dpsRecord: "deleted", hubIdentity: "deleted", lastHub: hub },
      },
    ]);
    await expectNoSecretAnywhere(preview, result);
  });

  it("counts an identity (or record) already gone as done", async () => {
    const { id, hub } = await provisioned("life-gone-1");
    saveHub(hub, "registryReadWrite", WRITE);
    emulator.iotHub.admin.deleteIdentity(hub, "life-gone-1");
    const result = await removeDeviceAction({ deviceId: id, choice: "clean" });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringContaining(`${hub} had no identity for it any more`),
    });
    expect(await audits()).toMatchObject([{ outcome: "success", detail: { hubIdentity: "already gone" } }]);
  });

  it("keeps the device, marked and retryable, when the hub fails; a retry finishes without deleting the record twice", async () => {
    const { id, hub } = await provisioned("life-retry-1");
    saveHub(hub, "registryReadWrite", WRITE);
    emulator.iotHub.admin.setHubOnline(hub, false);
    const failed = await removeDeviceAction({ deviceId: id, choice: "clean" });
    expect(failed).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^life-retry-1 was not removed: hub identity not deleted: /),
    });
    // The record went (DPS answered); the identity and the device stay, and the page says so.
    expect(emulator.admin.getRegistration("life-retry-1")).toBeUndefined();
    expect(identity(hub, "life-retry-1")).toBeDefined();
    expect(await getIncompleteRemoval(id)).toMatchObject({
      choice: "clean",
      dpsRecord: "done",
      hubIdentity: "failed",
      hub,
      problem: expect.stringMatching(/^hub identity not deleted: /),
      requestedByEmail: expect.stringContaining("@"),
    });
    expect(await audits()).toMatchObject([
      { outcome: "failure", detail: { dpsRecord: "deleted", hubIdentity: "not deleted", deviceKept: true } },
    ]);

    // Support sees it but may neither retry nor give up.
    await signInAs("support");
    expect(await getIncompleteRemoval(id)).not.toBeNull();
    for (const refused of [retryRemovalAction({ deviceId: id }), keepDeviceAction({ deviceId: id })])
      expect(await refused).toEqual({ ok: false, message: "You do not have permission to do this." });

    await signInAs("operator");
    emulator.iotHub.admin.setHubOnline(hub, true);
    const serviceCalls = emulator.admin.counters().byEndpoint;
    const retried = await retryRemovalAction({ deviceId: id });
    expect(retried).toMatchObject({
      ok: true,
      message: expect.stringContaining(`Its identity was deleted from the IoT hub ${hub}.`),
    });
    expect(emulator.admin.counters().byEndpoint).toEqual(serviceCalls);
    expect(identity(hub, "life-retry-1")).toBeUndefined();
    expect(await getDb().$client.query(`select 1 from devices where id = $1`, [id])).toMatchObject({
      rowCount: 0,
    });
    await expectNoSecretAnywhere(failed, retried);
  });

  it("says so up front for a hub without credentials or write rights, and leaves the identity only when told to", async () => {
    const { id, hub } = await provisioned("life-ro-1");
    saveHub(hub, "registryRead", { registryRead: true, registryWrite: false });
    expect(await previewRemovalAction({ deviceIds: [id] })).toMatchObject({
      ok: true,
      data: {
        devices: [
          { hubIdentity: { kind: "unavailable", reason: expect.stringContaining("lacks registryWrite") } },
        ],
      },
    });
    expect(await removeDeviceAction({ deviceId: id, choice: "clean" })).toMatchObject({ ok: false });
    expect(await getIncompleteRemoval(id)).toMatchObject({ hubIdentity: "failed" });
    // Giving up: the device stays, unmarked, and that is audited.
    expect(await keepDeviceAction({ deviceId: id })).toMatchObject({ ok: true });
    expect(await getIncompleteRemoval(id)).toBeNull();

    const left = await removeDeviceAction({ deviceId: id, choice: "clean", leaveUncleanable: true });
    expect(left).toMatchObject({ ok: true, message: expect.stringContaining("unchanged (the policy") });
    expect(identity(hub, "life-ro-1")).toBeDefined();
    expect((await audits()).map((a) => [a.action, a.outcome])).toEqual([
      ["device.remove", "failure"],
      ["device.keep", "success"],
      ["device.remove", "success"],
    ]);
  });
});

describe("blocking a device", () => {
  it("disables its identity with who and when, keeps the DPS record, and removes it from the platform", async () => {
    const { id, hub } = await provisioned("life-block-1");
    saveHub(hub, "registryReadWrite", null); // not probed yet: tried
    const result = await removeDeviceAction({ deviceId: id, choice: "block" });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringContaining("is disabled: it can neither connect nor come back by itself"),
    });
    const blocked = identity(hub, "life-block-1");
    expect(blocked).toMatchObject({
      status: "disabled",
      statusReason: expect.stringMatching(/^Blocked by \S+@\S+ at \d{4}-\d\d-\d\dT/),
    });
    expect(emulator.admin.getRegistration("life-block-1")).toBeDefined();
    expect(await audits()).toMatchObject([
      { detail: { choice: "block", dpsRecord: "kept", hubIdentity: "disabled" } },
    ]);
    await expectNoSecretAnywhere(result);
  });

  it("blocks a selection through the queue, each device audited; a device with no hub stays marked", async () => {
    const a = await provisioned("life-bulk-1");
    const b = await provisioned("life-bulk-2");
    for (const hub of new Set([a.hub, b.hub])) saveHub(hub, "registryReadWrite", WRITE);
    const { rows } = await getDb().$client.query<{ id: string }>(
      `insert into devices (registration_id) values ('life-bulk-unassigned') returning id`,
    );
    const unassigned = Number(rows[0]!.id);
    const preview = await previewRemovalAction({ deviceIds: [a.id, b.id, unassigned] });
    expect(preview).toMatchObject({ ok: true, data: { counts: { devices: 3, hubWritable: 2, noHub: 1 } } });

    expect(await removeDevicesAction({ deviceIds: [a.id, b.id, unassigned], choice: "block" })).toMatchObject(
      {
        ok: true,
        message: expect.stringMatching(/^Removing 3 devices and blocking them/),
      },
    );
    // Every job done: two devices gone and audited, the third marked (each job writes its audit last).
    await waitFor(
      async () => (await audits()).filter((a) => a.action === "device.remove").length,
      (n) => n === 3,
      20_000,
      "the three removals to be audited",
    );
    expect((await getDb().$client.query(`select id from devices`)).rows.map((r) => Number(r.id))).toEqual([
      unassigned,
    ]);
    expect(identity(a.hub, "life-bulk-1")?.status).toBe("disabled");
    expect(identity(b.hub, "life-bulk-2")?.status).toBe("disabled");
    expect(await getIncompleteRemoval(unassigned)).toMatchObject({
      choice: "block",
      problem: expect.stringContaining("never assigned to a hub"),
    });
  });
});

describe("who may remove", () => {
  it("refuses support every removal action and records the refusal", async () => {
    const { id } = await provisioned("life-perm-1");
    await signInAs("support");
    const refusal = { ok: false, message: "You do not have permission to do this." };
    expect(await previewRemovalAction({ deviceIds: [id] })).toEqual(refusal);
    expect(await removeDeviceAction({ deviceId: id, choice: "block" })).toEqual(refusal);
    expect(await removeDevicesAction({ deviceIds: [id], choice: "clean" })).toEqual(refusal);
    expect(await retryRemovalAction({ deviceId: id })).toEqual(refusal);
    expect(await keepDeviceAction({ deviceId: id })).toEqual(refusal);
    const { rows } = await getDb().$client.query(
      `select action from audit_log where outcome = 'denied' order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual([
      "devices.preview-removal",
      "device.remove",
      "devices.remove",
      "device.retry-removal",
      "device.keep",
    ]);
    await signInAs("admin");
    expect(await previewRemovalAction({ deviceIds: [id] })).toMatchObject({ ok: true });
  });
});
