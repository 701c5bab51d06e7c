import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  estimateDuration,
  getEngineStatus,
  provisionDeviceNow,
  requestProvisioningOfUnassigned,
  setProvisioningPaused,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "./index";
import { getEngine } from "./engine";
import { resumeOrphanedAttempts } from "./runs/sweeper";
import {
  connectDps,
  disconnectDps,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

let emulator: TestEmulator;
let worker: ProvisioningWorker;
const actor = { id: "00000000-0000-4000-8000-000000000001", email: "operator@example.test" };

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  await getDb().$client.query(
    "insert into users (id, email, password_hash, role) values ($1, $2, 'x', 'operator')",
    [actor.id, actor.email],
  );
  worker = await startProvisioningWorker({ concurrency: 16 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;
const statusesOf = (prefix: string) =>
  sql<{ status: string; n: string }>(
    "select status, count(*) as n from devices where registration_id like $1 group by status order by status",
    [`${prefix}-%`],
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("engine control", () => {
  it(
    "queues work while DPS is not connected, without spending attempts, and provisions it once connected",
    { timeout: 30_000 },
    async () => {
      await disconnectDps();
      const ids = await insertDevices(10, "waiting");
      await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor });
      await sleep(1_500);
      expect(await statusesOf("waiting")).toEqual([{ status: "pending", n: "10" }]);
      expect(emulator.admin.counters().total).toBe(0);
      const waiting = await getEngineStatus();
      expect(waiting).toMatchObject({ connected: false, queued: 10, registrationsPerMinute: 0 });

      const inline = await provisionDeviceNow(ids[0]!, { trigger: "add", actor });
      expect(inline).toMatchObject({ kind: "deferred", reason: "not-connected", status: "pending" });

      await connectDps(emulator, { registrationsPerMinute: 6_000, operationsPerMinute: 12_000 });
      // What saving the connection does: every device without a hub, as one run that takes over the waiting jobs.
      const { runId, queued } = await requestProvisioningOfUnassigned(actor);
      expect(queued).toBe(10);
      await waitFor(
        () => statusesOf("waiting"),
        (rows) => rows.length === 1 && rows[0]!.status === "assigned",
        20_000,
        "waiting devices assigned",
      );
      const history = await sql<{ trigger: string; run_id: string; triggered_by_email: string }>(
        "select distinct trigger, run_id, triggered_by_email from provisioning_history h join devices d on d.id = h.device_id where d.registration_id like 'waiting-%'",
      );
      expect(history).toEqual([
        { trigger: "connect", run_id: String(runId), triggered_by_email: actor.email },
      ]);
      expect(emulator.admin.counters().byEndpoint.register.total).toBe(10);
    },
  );

  it("pauses: queued work waits and DPS is not called until resumed", { timeout: 30_000 }, async () => {
    await setProvisioningPaused(true, actor);
    const [control] = await sql<{ paused: boolean; changed_by_email: string }>(
      "select paused, changed_by_email from provisioning_control",
    );
    expect(control).toEqual({ paused: true, changed_by_email: actor.email });

    const before = emulator.admin.counters().total;
    const ids = await insertDevices(20, "paused");
    const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "reprovision", actor });
    const inline = await provisionDeviceNow(ids[0]!, { trigger: "add", actor });
    expect(inline).toMatchObject({ kind: "deferred", reason: "paused" });
    await sleep(2_000);
    expect(emulator.admin.counters().total).toBe(before);
    expect(await statusesOf("paused")).toEqual([{ status: "pending", n: "20" }]);
    const paused = await getEngineStatus();
    expect(paused).toMatchObject({ connected: true, paused: true, queued: 20 });
    expect(paused.activeRun).toMatchObject({ id: runId, total: 20, done: 0, etaSeconds: null });

    await setProvisioningPaused(false, actor);
    await waitFor(
      () => statusesOf("paused"),
      (rows) => rows.length === 1 && rows[0]!.status === "assigned",
      20_000,
      "paused devices assigned after resume",
    );
    // The device asked for inline while paused was provisioned once, by the run that took over its job.
    const perDevice = await sql<{ n: string }>(
      "select count(*) as n from provisioning_history where device_id = $1 and trigger not like 'hub-check%'",
      [ids[0]],
    );
    expect(perDevice).toEqual([{ n: "1" }]);
  });

  it("provisions a single device inline and reports its hub right away", async () => {
    const [id] = await insertDevices(1, "inline");
    const outcome = await provisionDeviceNow(id!, { trigger: "add", actor });
    expect(outcome).toMatchObject({
      kind: "assigned",
      status: "assigned",
      substatus: "initialAssignment",
      previousHub: null,
    });
    if (outcome.kind !== "assigned") throw new Error("unreachable");
    expect(outcome.hub).toBe(emulator.admin.getRegistration(`inline-00000`)?.assignedHub);
    expect(outcome.message).toBe(`Provisioned onto ${outcome.hub}.`);

    const again = await provisionDeviceNow(id!, { trigger: "reprovision", actor });
    expect(again).toMatchObject({
      kind: "assigned",
      substatus: "reprovisionedToInitialAssignment",
      previousHub: outcome.hub,
    });
    expect(await provisionDeviceNow(987_654, { trigger: "reprovision", actor })).toMatchObject({
      kind: "device-not-found",
    });
  });

  it("reports progress, rate and ETA of a bulk run", { timeout: 30_000 }, async () => {
    await connectDps(emulator, { registrationsPerMinute: 600, operationsPerMinute: 100_000 });
    await setProvisioningPaused(false, actor);
    const ids = await insertDevices(30, "progress");
    const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "reprovision", actor });
    const midway = await waitFor(
      getEngineStatus,
      (status) => (status.activeRun?.done ?? 0) >= 10,
      20_000,
      "a third of the run done",
    );
    expect(midway.activeRun).toMatchObject({ id: runId, trigger: "reprovision", total: 30 });
    // Paced at 600/min (a device every ~100 ms).
    expect(midway.activeRun!.ratePerMinute).toBeGreaterThan(300);
    expect(midway.activeRun!.ratePerMinute).toBeLessThan(620);
    expect(midway.activeRun!.etaSeconds).toBeGreaterThanOrEqual(0);
    expect(midway.registrationsPerMinute).toBe(600);
    await waitFor(getEngineStatus, (status) => status.activeRun === null, 20_000, "the run to end");
  });

  it(
    "resumes an attempt whose process died (an inline attempt, or a job out of redeliveries) once its lease is over",
    { timeout: 20_000 },
    async () => {
      const [id] = await insertDevices(1, "orphan");
      await sql(
        "update devices set status = 'assigning', attempt_id = gen_random_uuid(), attempt_count = 1, lease_expires_at = now() - interval '10 seconds' where id = $1",
        [id],
      );
      const engine = getEngine();
      expect(await resumeOrphanedAttempts(engine.pool, await engine.boss(), engine.settings)).toBe(1);
      const [device] = await sql<{ status: string; last_error_kind: string }>(
        "select status, last_error_kind from devices where id = $1",
        [id],
      );
      // Handed back as interrupted; the test's running worker may already have claimed it again.
      expect(device!.last_error_kind).toBe("interrupted");
      expect(["pending", "assigning", "assigned"]).toContain(device!.status);
      await waitFor(
        () => statusesOf("orphan"),
        (rows) => rows[0]?.status === "assigned",
        10_000,
        "the orphaned device assigned",
      );
      const history = await sql<{ trigger: string; outcome: string }>(
        "select trigger, outcome from provisioning_history where device_id = $1 and trigger not like 'hub-check%'",
        [id],
      );
      expect(history).toEqual([{ trigger: "automatic", outcome: "assigned" }]);
    },
  );

  it("estimates the duration of a run at the configured quota", () => {
    expect(estimateDuration(0, 1000)).toBe(0);
    expect(estimateDuration(9_800, 1_000)).toBe(600);
    // Two operations per device: an operations quota equal to the registrations quota halves the pace.
    expect(estimateDuration(4_900, 1_000, 1_000)).toBe(600);
  });
});
