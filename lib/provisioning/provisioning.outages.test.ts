import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/database";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  getEngineStatus,
  provisionDeviceNow,
  resumeAfterKeyAccepted,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "./index";
import { readCircuit } from "./health/circuit-store";
import { getEngine } from "./engine";
import {
  connectDps,
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  insertDevices,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

// A short streak and quick probes, so an outage is seen and its end noticed within a second or two.
const SETTINGS = { circuitFailures: 3, probeMinMs: 200, probeMaxMs: 400, maxAttempts: 3 };
const ROTATED_PRIMARY = Buffer.alloc(64, 11).toString("base64");
const ROTATED_SECONDARY = Buffer.alloc(64, 12).toString("base64");

let emulator: TestEmulator;
let worker: ProvisioningWorker;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine({ retryAfterSeconds: 1 }, SETTINGS);
  worker = await startProvisioningWorker({ concurrency: 16 });
});

afterAll(async () => {
  await worker?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

beforeEach(() => {
  emulator.admin.reset({ restoreStartupConfig: true });
});

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const circuit = () => readCircuit(getEngine().pool);

async function devicesOf(prefix: string) {
  return sql<{ status: string; n: string }>(
    "select status, count(*) as n from devices where registration_id like $1 group by status order by status",
    [`${prefix}-%`],
  );
}

async function historyOf(prefix: string) {
  return sql<{ outcome: string; n: string }>(
    "select h.outcome, count(*) as n from provisioning_history h join devices d on d.id = h.device_id where d.registration_id like $1 and h.trigger not like 'hub-check%' group by h.outcome order by h.outcome",
    [`${prefix}-%`],
  );
}

const allAssigned = (rows: { status: string }[]) => rows.length === 1 && rows[0]!.status === "assigned";

describe("DPS unreachable: one shared circuit", () => {
  it(
    "opens after a few failed requests in a row, keeps devices pending without spending attempts, and resumes at once when a probe gets through",
    { timeout: 60_000 },
    async () => {
      await connectDps(emulator);
      emulator.admin.patchFaults({ unreachable: true });
      const ids = await insertDevices(20, "outage");
      await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });

      await waitFor(circuit, (row) => row.state === "open", 20_000, "the circuit to open");
      // Attempts that were at DPS when it went away are handed back, not failed.
      await waitFor(
        () => devicesOf("outage"),
        (rows) => rows.length === 1 && rows[0]!.status === "pending",
        30_000,
        "every device back to pending",
      );
      const status = await getEngineStatus();
      expect(status.dps).toMatchObject({ state: "unreachable", since: expect.any(String) });

      // While open nothing claims device work: only probes go out.
      const claimedBefore = await sql<{ n: string }>(
        "select count(*) as n from devices where registration_id like 'outage-%' and attempt_count > 0",
      );
      await sleep(1_500);
      expect(await devicesOf("outage")).toEqual([{ status: "pending", n: "20" }]);
      expect(
        await sql<{ n: string }>(
          "select count(*) as n from devices where registration_id like 'outage-%' and attempt_count > 0",
        ),
      ).toEqual(claimedBefore);
      expect(await historyOf("outage")).toEqual([]);
      expect((await circuit()).failedProbes).toBeGreaterThan(0);

      const backAt = Date.now();
      emulator.admin.patchFaults({ unreachable: false });
      await waitFor(() => devicesOf("outage"), allAssigned, 20_000, "every device assigned once DPS is back");
      const recovery = Date.now() - backAt;
      expect((await circuit()).state).toBe("closed");
      // One result per device, on its first attempt: the outage cost no retries.
      expect(await historyOf("outage")).toEqual([{ outcome: "assigned", n: "20" }]);
      const attempts = await sql<{ attempt_count: number }>(
        "select distinct attempt_count from devices where registration_id like 'outage-%'",
      );
      expect(attempts).toEqual([{ attempt_count: 1 }]);
      // Probes every 200-400 ms and a 1 s Retry-After: well within the lease, and far from a per-device backoff.
      expect(recovery).toBeLessThan(15_000);
    },
  );

  it(
    "tells a person adding a device while DPS is away that the device waits, and provisions it when DPS answers",
    { timeout: 30_000 },
    async () => {
      await connectDps(emulator);
      emulator.admin.patchFaults({ unreachable: true });
      const [first, second] = await insertDevices(2, "inline-outage");
      // The first request meets the outage itself; by then the circuit is open.
      await provisionDeviceNow(first!, { trigger: "add", actor: null });
      await waitFor(circuit, (row) => row.state === "open", 10_000, "the circuit to open");
      const outcome = await provisionDeviceNow(second!, { trigger: "add", actor: null });
      expect(outcome).toMatchObject({ kind: "deferred", reason: "dps-unreachable", status: "pending" });
      expect(outcome.message).toMatch(/unreachable/);

      emulator.admin.patchFaults({ unreachable: false });
      await waitFor(
        () => devicesOf("inline-outage"),
        allAssigned,
        20_000,
        "both devices assigned once DPS is back",
      );
    },
  );
});

describe("a key DPS refuses", () => {
  it(
    "rotated in Azure mid-run: devices wait as pending, DPS is no longer called, and saving the new key finishes the run with nothing failed",
    { timeout: 60_000 },
    async () => {
      const ids = await insertDevices(40, "rotation");
      // Slow enough that the rotation lands mid-run.
      await connectDps(emulator, {
        secondaryKey: FLEET_SECONDARY_KEY,
        registrationsPerMinute: 600,
        operationsPerMinute: 100_000,
      });
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
      await waitFor(
        () => sql<{ n: string }>("select count(*) as n from provisioning_history where run_id = $1", [runId]),
        (rows) => Number(rows[0]!.n) >= 5,
        20_000,
        "the run to get going",
      );

      // Both keys regenerated in the portal.
      emulator.admin.patchConfig({
        enrollmentGroups: [
          { enrollmentGroupId: "fleet", primaryKey: ROTATED_PRIMARY, secondaryKey: ROTATED_SECONDARY },
        ],
      });
      await waitFor(circuit, (row) => row.state === "key-refused", 20_000, "the key to be refused");
      await waitFor(
        () =>
          sql<{ n: string }>(
            "select count(*) as n from devices where registration_id like 'rotation-%' and status = 'assigning'",
          ),
        (rows) => rows[0]!.n === "0",
        10_000,
        "attempts in flight handed back",
      );

      const stuck = await devicesOf("rotation");
      expect(stuck.map((row) => row.status).sort()).toEqual(["assigned", "pending"]);
      // Those that met the refusal say why they wait; the others never reached DPS.
      const waiting = await sql<{ last_error_kind: string | null }>(
        "select distinct last_error_kind from devices where registration_id like 'rotation-%' and status = 'pending' order by 1",
      );
      expect(waiting).toEqual([{ last_error_kind: "unauthorized" }, { last_error_kind: null }]);
      expect((await getEngineStatus()).dps).toMatchObject({ state: "key-refused" });

      // No more calls with the refused key.
      const calls = emulator.admin.counters().total;
      await sleep(1_500);
      expect(emulator.admin.counters().total).toBe(calls);

      // An administrator saves the new primary key; nobody presses Retry.
      await connectDps(emulator, {
        primaryKey: ROTATED_PRIMARY,
        secondaryKey: null,
        registrationsPerMinute: 6_000,
        operationsPerMinute: 100_000,
      });
      await waitFor(
        () => devicesOf("rotation"),
        allAssigned,
        30_000,
        "every device assigned after the new key was saved",
      );
      expect(await historyOf("rotation")).toEqual([{ outcome: "assigned", n: "40" }]);
      expect((await getEngineStatus()).dps).toEqual({ state: "available" });
    },
  );

  it(
    "is resumed by a successful connection test of the stored key (a rotation undone in Azure)",
    { timeout: 30_000 },
    async () => {
      await connectDps(emulator);
      emulator.admin.patchConfig({
        enrollmentGroups: [
          { enrollmentGroupId: "fleet", primaryKey: ROTATED_PRIMARY, secondaryKey: ROTATED_SECONDARY },
        ],
      });
      const [id] = await insertDevices(1, "undone");
      const outcome = await provisionDeviceNow(id!, { trigger: "add", actor: null });
      expect(outcome).toMatchObject({ kind: "deferred", reason: "key-refused", status: "pending" });
      expect((await circuit()).state).toBe("key-refused");

      emulator.admin.patchConfig({
        enrollmentGroups: [
          { enrollmentGroupId: "fleet", primaryKey: FLEET_PRIMARY_KEY, secondaryKey: FLEET_SECONDARY_KEY },
        ],
      });
      await sleep(1_000);
      expect(await devicesOf("undone")).toEqual([{ status: "pending", n: "1" }]);
      // What the data-access layer does when Test connection of the stored key succeeds.
      expect(await resumeAfterKeyAccepted()).toBe(true);
      await waitFor(
        () => devicesOf("undone"),
        allAssigned,
        20_000,
        "the device assigned after the key was accepted again",
      );
    },
  );
});
