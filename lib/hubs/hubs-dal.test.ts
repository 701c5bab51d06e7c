import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/lib/database";
import { env, setEnv } from "@/lib/env";
import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { encryptSecret } from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import { hubCredentialKeyContext } from "@/lib/secrets/encrypted-columns";
import {
  enqueueProvisioning,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "@/lib/provisioning";
import { OWNER_POLICY, type TestEmulator } from "@/tests/support/dps-emulator";
import {
  connectDps,
  connectDpsService,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "@/tests/support/provisioning";
import { hubConnection, localHubSettings, officialRegistry } from "@/tests/support/iot-hub-emulator";
import { signInAs, signOut } from "@/tests/support/session";
import { truncate } from "@/tests/support/db";
import { hubDriftFilterSchema } from "@/lib/validation/hub-drift";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const { getHubDriftOverview, listHubDriftFindings } = await import("./drift/hub-drift-dal");
const { diagnosticBundle, TROUBLESHOOT_PER_MINUTE } = await import("./troubleshoot/troubleshoot-dal");
const { requestHubDriftAction } = await import("@/lib/actions/request-hub-drift");
const { deleteOrphanIdentityAction } = await import("@/lib/actions/delete-orphan-identity");
const { troubleshootDeviceAction } = await import("@/lib/actions/troubleshoot-device");

let emulator: TestEmulator;
let worker: ProvisioningWorker;
const saved = { ...env() };
const PREFIX = "hubs-dal";
const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;

type Device = { id: number; registration_id: string; assigned_hub: string; dps_device_id: string };
let devices: Device[] = [];

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  setEnv(localHubSettings(emulator, "off"));
  await truncate("audit_log", "users", "devices", "integrations", "hub_credentials", "hub_drift_runs");
  await connectDps(emulator);
  worker = await startProvisioningWorker({ concurrency: 8 });
  const ids = await insertDevices(6, PREFIX);
  await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
  devices = await waitFor(
    () =>
      sql<Device>(
        `select id::int as id, registration_id, assigned_hub, dps_device_id from devices
         where registration_id like $1 and status = 'assigned' order by registration_id`,
        [`${PREFIX}-%`],
      ),
    (rows) => rows.length === 6,
    30_000,
    "six devices assigned",
  );
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
  setEnv(saved);
});

/** Saves a hub's connection string the way the Integration tab stores it (encrypted, bound to the hub). */
async function saveHubCredentials(
  hubHost: string,
  policy: "registryRead" | "registryReadWrite",
  wrongKey?: string,
) {
  const connection = hubConnection(emulator, hubHost);
  const text =
    policy === "registryRead"
      ? connection.registryReadConnectionString
      : connection.registryReadWriteConnectionString;
  const key = wrongKey ?? /SharedAccessKey=([^;]+)/.exec(text)![1]!;
  await sql(
    `insert into hub_credentials (hub_host, policy_name, key_ciphertext, rights, rights_checked_at) values ($1, $2, $3, $4, now())
     on conflict (hub_host) do update set policy_name = excluded.policy_name, key_ciphertext = excluded.key_ciphertext, rights = excluded.rights`,
    [
      hubHost.toLowerCase(),
      policy,
      encryptSecret(key, currentKek(), hubCredentialKeyContext(hubHost)),
      JSON.stringify({ registryRead: true, registryWrite: policy === "registryReadWrite" }),
    ],
  );
  return key;
}

function hubKeys(): string[] {
  return emulator.iotHub.connection.hubs.flatMap((hub) =>
    [hub.ownerConnectionString, hub.registryReadConnectionString, hub.registryReadWriteConnectionString].map(
      (text) => /SharedAccessKey=([^;]+)/.exec(text)![1]!,
    ),
  );
}

async function driftToEnd(): Promise<void> {
  const result = await requestHubDriftAction({});
  expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/^Drift check started/) });
  await waitFor(
    getHubDriftOverview,
    (overview) => overview.current === null && overview.latest !== null,
    30_000,
    "the drift run to complete",
  );
}

beforeEach(async () => {
  await truncate("audit_log", "hub_credentials", "hub_drift_runs");
  for (const hub of emulator.iotHub.admin.hubs()) {
    emulator.iotHub.admin.setHubOnline(hub.hostName, true);
    emulator.iotHub.admin.setHubThrottled(hub.hostName, false);
  }
});

describe("hub drift, against the local IoT Hub", () => {
  it("is refused to support (run, delete) and to everyone without hub credentials saved", async () => {
    await signInAs("support");
    expect((await getHubDriftOverview()).blocker).toMatch(/Save a hub connection string/);
    expect(await requestHubDriftAction({})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/permission/),
    });
    expect(
      await deleteOrphanIdentityAction({ hubHost: devices[0]!.assigned_hub, deviceId: "x" }),
    ).toMatchObject({ ok: false, message: expect.stringMatching(/permission/) });
    await signInAs("operator");
    expect(await requestHubDriftAction({})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Save a hub connection string/),
    });
  });

  it("finds one of each planted case, and an operator deletes the orphan (a second time: already gone)", async () => {
    const hubs = [...new Set(devices.map((d) => d.assigned_hub))];
    for (const hub of hubs) await saveHubCredentials(hub, "registryReadWrite");
    const [missing, disabled, moved, renamed] = devices;
    emulator.iotHub.admin.deleteIdentity(missing!.assigned_hub, missing!.dps_device_id);
    emulator.iotHub.admin.setIdentityStatus(
      disabled!.assigned_hub,
      disabled!.dps_device_id,
      "disabled",
      "test",
    );
    const otherHub = emulator.iotHub.connection.hubs.find(
      (h) => h.hostName !== moved!.assigned_hub,
    )!.hostName;
    await sql(`update devices set assigned_hub = $2 where id = $1`, [moved!.id, otherHub]);
    await sql(`update devices set dps_device_id = $2 where id = $1`, [
      renamed!.id,
      `${renamed!.registration_id}-renamed`,
    ]);
    const ghostHub = hubs[0]!;
    const owner = hubConnection(emulator, ghostHub).ownerConnectionString;
    await officialRegistry(emulator, owner).create({ deviceId: `${PREFIX}-ghost`, status: "enabled" });

    await signInAs("operator");
    await driftToEnd();
    await signInAs("support");
    const overview = await getHubDriftOverview();
    expect(overview.latest!.hubs.every((hub) => hub.status === "read")).toBe(true);
    expect(overview.latest!.counts).toMatchObject({ disabled: 1, orphans: 1, deviceIdDiffers: 1, stale: 1 });
    // The deleted identity, the moved device in its new hub (DPS put it elsewhere), and the renamed one.
    expect(overview.latest!.counts!.missing).toBe(3);
    const list = async (finding: string) =>
      (await listHubDriftFindings(hubDriftFilterSchema.parse({ finding }))).findings.map((f) => f.deviceId);
    expect(await list("disabled")).toEqual([disabled!.dps_device_id]);
    expect(await list("orphan")).toEqual([`${PREFIX}-ghost`]);
    expect(await list("stale")).toEqual([moved!.dps_device_id]);
    expect(await list("device-id-differs")).toEqual([`${renamed!.registration_id}-renamed`]);
    expect(await list("missing")).toContain(missing!.dps_device_id);

    await signInAs("operator");
    expect(
      await deleteOrphanIdentityAction({ hubHost: ghostHub, deviceId: `${PREFIX}-ghost` }),
    ).toMatchObject({
      ok: true,
      message: `The identity ${PREFIX}-ghost was deleted from ${ghostHub}.`,
    });
    expect(emulator.iotHub.admin.getIdentity(ghostHub, `${PREFIX}-ghost`)).toBeUndefined();
    expect((await getHubDriftOverview()).latest!.counts!.orphans).toBe(0);
    expect(
      await deleteOrphanIdentityAction({ hubHost: ghostHub, deviceId: `${PREFIX}-ghost` }),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not an orphan in the last drift check/),
    });
    const audit = await sql<{ action: string; outcome: string; target: string }>(
      `select action, outcome::text, target from audit_log where action in ('hubs.drift', 'hub-identity.delete') order by id`,
    );
    expect(audit).toEqual([
      { action: "hubs.drift", outcome: "success", target: expect.any(String) },
      { action: "hub-identity.delete", outcome: "success", target: `${ghostHub}/${PREFIX}-ghost` },
    ]);
    expect(JSON.stringify(await sql(`select * from audit_log`))).not.toMatch(
      new RegExp(
        hubKeys()
          .map((k) => k.replace(/[+/=]/g, "\\$&"))
          .join("|"),
      ),
    );

    // Put the planted state back for the troubleshooter's cases.
    await sql(`update devices set assigned_hub = $2 where id = $1`, [moved!.id, moved!.assigned_hub]);
    await sql(`update devices set dps_device_id = $2 where id = $1`, [renamed!.id, renamed!.dps_device_id]);
  });

  it("reports a hub whose saved policy the hub refuses as not read, and still compares the others", async () => {
    const hubs = [...new Set(devices.map((d) => d.assigned_hub))];
    await saveHubCredentials(hubs[0]!, "registryRead");
    // A key the hub does not know, under the right policy name: 401.
    await saveHubCredentials(hubs[1]!, "registryRead", Buffer.alloc(32, 7).toString("base64"));
    await signInAs("operator");
    await driftToEnd();
    const { latest } = await getHubDriftOverview();
    const byHub = Object.fromEntries(latest!.hubs.map((hub) => [hub.hubHost, hub]));
    expect(byHub[hubs[0]!.toLowerCase()]).toMatchObject({ status: "read" });
    expect(byHub[hubs[1]!.toLowerCase()]).toMatchObject({
      status: "not-read",
      problem: expect.stringMatching(/refused/),
    });
  });
});

describe("why can't this device connect?", () => {
  const groupKeyOf = () => emulator.config.enrollmentGroups[0]!.primaryKey;

  async function verdictFor(device: Device) {
    const result = await troubleshootDeviceAction({ deviceId: device.id });
    expect(result.ok, result.message).toBe(true);
    return result.data!;
  }

  beforeEach(async () => {
    for (const hub of new Set(devices.map((d) => d.assigned_hub)))
      await saveHubCredentials(hub, "registryRead");
    await connectDpsService(emulator, OWNER_POLICY);
    await signInAs("support");
  });

  it("names the broken step for a deleted identity, a disabled one, a wrong key and an unreachable hub, changing nothing", async () => {
    const [, , a, b, c, d] = devices;
    const before = await sql(`select id, hub_status, hub_checked_at from devices order by id`);

    emulator.iotHub.admin.deleteIdentity(a!.assigned_hub, a!.dps_device_id);
    const deleted = await verdictFor(a!);
    expect(deleted.verdict).toMatchObject({ ok: false, brokenStep: "hub-identity" });
    expect(deleted.verdict.headline).toMatch(/was deleted/);

    emulator.iotHub.admin.setIdentityStatus(b!.assigned_hub, b!.dps_device_id, "disabled", "blocked");
    const disabled = await verdictFor(b!);
    expect(disabled.verdict).toMatchObject({ brokenStep: "hub-identity" });
    expect(disabled.verdict.headline).toMatch(/disabled/);

    emulator.iotHub.admin.regenerateKey(c!.assigned_hub, c!.dps_device_id, "primary");
    emulator.iotHub.admin.regenerateKey(c!.assigned_hub, c!.dps_device_id, "secondary");
    const wrongKey = await verdictFor(c!);
    expect(wrongKey.verdict).toMatchObject({ brokenStep: "hub-connection" });
    expect(wrongKey.verdict.headline).toMatch(/refused the device's key/);
    expect(wrongKey.steps.find((s) => s.id === "hub-identity")?.outcome).toBe("ok");

    emulator.iotHub.admin.setHubOnline(d!.assigned_hub, false, "unreachable");
    const offline = await verdictFor(d!);
    expect(offline.verdict).toMatchObject({ brokenStep: "hub-connection" });
    expect(offline.verdict.headline).toMatch(/cannot be reached/);

    // Nothing was recorded: no hub status, no check time changed.
    expect(await sql(`select id, hub_status, hub_checked_at from devices order by id`)).toEqual(before);
  }, 60_000);

  it("fingerprints the derived key, and the bundle carries no key, connection string or token", async () => {
    const device = devices[0]!;
    const report = await verdictFor(device);
    const derived = deriveDeviceKey(groupKeyOf(), device.registration_id);
    const { createHash } = await import("node:crypto");
    expect(report.keyFingerprints?.primary).toBe(
      createHash("sha256").update(derived).digest("hex").slice(0, 8),
    );
    const bundle = await diagnosticBundle(device.id);
    expect(bundle?.fileName).toBe(`diagnostics-${device.registration_id}.json`);
    const secrets = [groupKeyOf(), derived, OWNER_POLICY.primaryKey, ...hubKeys()];
    for (const secret of secrets) expect(bundle!.json).not.toContain(secret);
    expect(bundle!.json).not.toMatch(/SharedAccessSignature sr=/);
    expect(JSON.stringify(report)).not.toContain(derived);
  });

  it(`allows each user ${TROUBLESHOOT_PER_MINUTE} runs a minute, then says when to ask again`, async () => {
    await signInAs("support");
    const device = devices[0]!;
    for (let i = 0; i < TROUBLESHOOT_PER_MINUTE; i++)
      expect((await troubleshootDeviceAction({ deviceId: device.id })).ok).toBe(true);
    expect(await troubleshootDeviceAction({ deviceId: device.id })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/wait a minute/),
    });
    // Another user has runs of their own.
    await signInAs("operator");
    expect((await troubleshootDeviceAction({ deviceId: device.id })).ok).toBe(true);
  });

  it("is refused to a signed-out caller", async () => {
    signOut();
    expect(await troubleshootDeviceAction({ deviceId: devices[0]!.id })).toMatchObject({ ok: false });
  });
});
