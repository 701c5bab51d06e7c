import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import { allocateHub } from "@/emulators/dps/allocation";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  getEngineStatus,
  startProvisioningWorker,
  shutdownProvisioning,
  type ProvisioningWorker,
} from "./index";
import {
  connectDps,
  HUB_A,
  HUB_B,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

let emulator: TestEmulator;
let worker: ProvisioningWorker;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine();
  await connectDps(emulator);
  worker = await startProvisioningWorker({ concurrency: 128 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

type DeviceRow = {
  id: string;
  registration_id: string;
  status: string;
  assigned_hub: string | null;
  substatus: string | null;
};

async function devicesWithPrefix(prefix: string): Promise<DeviceRow[]> {
  const { rows } = await getDb().$client.query<DeviceRow>(
    "select id, registration_id, status, assigned_hub, substatus from devices where registration_id like $1 order by id",
    [`${prefix}-%`],
  );
  return rows;
}

async function runFinished(runId: number): Promise<boolean> {
  const { rows } = await getDb().$client.query<{ finished: boolean }>(
    "select finished_at is not null as finished from provisioning_runs where id = $1",
    [runId],
  );
  return rows[0]?.finished ?? false;
}

describe("bulk provisioning through the queue", () => {
  it(
    "provisions 500 devices onto the hubs the emulator's weights choose, once each",
    { timeout: 60_000 },
    async () => {
      const ids = await insertDevices(500, "bulk");
      const { runId, queued } = await enqueueProvisioning(
        { deviceIds: ids },
        { trigger: "import", actor: null },
      );
      expect(queued).toBe(500);

      const status = await getEngineStatus();
      expect(status.activeRun).toMatchObject({ id: runId, trigger: "import", total: 500 });

      await waitFor(
        () => devicesWithPrefix("bulk"),
        (rows) => rows.every((row) => row.status === "assigned"),
        45_000,
        "500 devices assigned",
      );
      const devices = await devicesWithPrefix("bulk");
      const hubs = emulator.config.linkedHubs;
      for (const device of devices) {
        expect(device.assigned_hub).toBe(allocateHub("hashed", hubs, device.registration_id)?.name);
        expect(device.assigned_hub).toBe(emulator.admin.getRegistration(device.registration_id)?.assignedHub);
        expect(device.substatus).toBe("initialAssignment");
      }
      // Weights 1:3 between the two hubs.
      const onB = devices.filter((device) => device.assigned_hub === HUB_B).length;
      expect(onB / devices.length).toBeGreaterThan(0.65);
      expect(onB / devices.length).toBeLessThan(0.85);

      const { rows: history } = await getDb().$client.query<{ n: string; devices: string }>(
        "select count(*) as n, count(distinct device_id) as devices from provisioning_history where run_id = $1 and outcome = 'assigned'",
        [runId],
      );
      expect(history[0]).toEqual({ n: "500", devices: "500" });
      expect(emulator.admin.counters().byEndpoint.register.total).toBe(500);

      await waitFor(() => runFinished(runId), Boolean, 10_000, "the run to be marked finished");
      const after = await getEngineStatus();
      expect(after.activeRun).toBeNull();
      expect(after.counts.assigned).toBe(500);
      expect(after.queued).toBe(0);
    },
  );

  it(
    "re-provisioning after the emulator moves hubs records the migration, the new hub and the previous one",
    { timeout: 60_000 },
    async () => {
      const before = await devicesWithPrefix("bulk");
      const previousHub = new Map(before.map((row) => [row.registration_id, row.assigned_hub]));
      // Hub A now takes nearly everything: most devices on B must move.
      emulator.admin.patchConfig({
        linkedHubs: [
          { name: HUB_A, allocationWeight: 1000 },
          { name: HUB_B, allocationWeight: 1 },
        ],
      });

      const { runId, queued } = await enqueueProvisioning(
        { all: true },
        { trigger: "reprovision", actor: null },
      );
      expect(queued).toBe(500);
      await waitFor(() => runFinished(runId), Boolean, 45_000, "the re-provisioning run to finish");

      const { rows } = await getDb().$client.query<{
        registration_id: string;
        hub: string;
        previous_hub: string;
        substatus: string;
        status: string;
        assigned_hub: string;
      }>(
        `select d.registration_id, h.hub, h.previous_hub, h.substatus, d.status, d.assigned_hub
       from provisioning_history h join devices d on d.id = h.device_id
       where h.run_id = $1 and h.outcome = 'assigned'`,
        [runId],
      );
      expect(rows).toHaveLength(500);
      const hubs = emulator.config.linkedHubs;
      let moved = 0;
      for (const row of rows) {
        const expected = allocateHub("hashed", hubs, row.registration_id)?.name;
        expect(row.hub).toBe(expected);
        expect(row.assigned_hub).toBe(expected);
        expect(row.previous_hub).toBe(previousHub.get(row.registration_id));
        if (row.previous_hub !== row.hub) {
          moved += 1;
          expect(row.substatus).toBe("deviceDataMigrated");
        } else {
          expect(row.substatus).toBe("reprovisionedToInitialAssignment");
        }
      }
      expect(moved).toBeGreaterThan(300);
    },
  );
});
