import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { getDb } from "@/lib/database";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import { enqueueProvisioning, shutdownProvisioning } from "./index";
import {
  connectDps,
  exited,
  insertDevices,
  spawnWorker,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

// A lease far longer than the test waits: a killed worker's attempts must be taken over through its
// stale heartbeat (1.5 s of silence), and a stopped worker's handed back, never by the lease running out.
const LEASE_SECONDS = "60";
const HEARTBEAT = { HIC_HEARTBEAT_MS: "300", HIC_HEARTBEAT_STALE_MS: "1500" };
let emulator: TestEmulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulatorAndEngine(
    { retryAfterSeconds: 1 },
    { leaseSeconds: Number(LEASE_SECONDS), heartbeatMs: 300, heartbeatStaleMs: 1_500 },
  );
  await connectDps(emulator);
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map(exited));
  await shutdownProvisioning();
  await emulator?.dispose();
});

function worker(): ChildProcess {
  const child = spawnWorker(emulator, {
    HIC_LEASE_SECONDS: LEASE_SECONDS,
    HIC_WORKER_CONCURRENCY: "32",
    ...HEARTBEAT,
  });
  children.push(child);
  return child;
}

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;
const assignedInRun = async (runId: number) =>
  Number(
    (
      await sql<{ n: string }>(
        "select count(*) as n from provisioning_history where run_id = $1 and outcome = 'assigned'",
        [runId],
      )
    )[0]!.n,
  );
const assigningNow = async (prefix: string) =>
  Number(
    (
      await sql<{ n: string }>(
        "select count(*) as n from devices where status = 'assigning' and registration_id like $1",
        [`${prefix}-%`],
      )
    )[0]!.n,
  );

async function expectEachDeviceAssignedOnce(prefix: string, runId: number, count: number) {
  const rows = await sql<{ status: string; assigned: string; in_run: string }>(
    `select d.status,
       (select count(*) from provisioning_history h where h.device_id = d.id and h.run_id = $2 and h.outcome = 'assigned') as assigned,
       (select count(*) from provisioning_history h where h.device_id = d.id and h.run_id = $2) as in_run
     from devices d where d.registration_id like $1`,
    [`${prefix}-%`, runId],
  );
  expect(rows).toHaveLength(count);
  expect(rows.filter((row) => row.status !== "assigned")).toEqual([]);
  expect(rows.filter((row) => row.assigned !== "1")).toEqual([]);
  expect(rows.filter((row) => row.in_run !== "1")).toEqual([]);
}

describe("worker processes that stop", () => {
  it(
    "a worker killed with SIGKILL mid-run: its attempts are taken over once its heartbeat is stale, long before their lease ends; each device assigned once",
    { timeout: 60_000 },
    async () => {
      const ids = await insertDevices(200, "crash");
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });

      const first = worker();
      await waitFor(
        () => assignedInRun(runId),
        (n) => n >= 50,
        30_000,
        "the first worker to get going",
      );
      first.kill("SIGKILL");
      await exited(first);
      expect(await assigningNow("crash")).toBeGreaterThan(0);

      const restartedAt = Date.now();
      worker();
      // The 60 s lease would hold the killed worker's devices for a minute; its silent heartbeat does not.
      await waitFor(
        () => assignedInRun(runId),
        (n) => n === 200,
        40_000,
        "the restarted worker to finish the run",
      );
      expect(Date.now() - restartedAt).toBeLessThan(Number(LEASE_SECONDS) * 1000);
      const interrupted = await sql<{ n: string }>(
        "select count(*) as n from provisioning_history where run_id = $1 and trigger = 'automatic'",
        [runId],
      );
      expect(Number(interrupted[0]!.n)).toBeGreaterThan(0);
      await waitFor(
        () => assigningNow("crash"),
        (n) => n === 0,
        5_000,
        "no device left assigning",
      );
      await expectEachDeviceAssignedOnce("crash", runId, 200);
    },
  );

  it(
    "a worker stopped with SIGTERM finishes its in-flight attempts, hands the rest back and exits cleanly",
    { timeout: 40_000 },
    async () => {
      for (const child of children.splice(0)) {
        child.kill("SIGKILL");
        await exited(child);
      }
      const ids = await insertDevices(150, "term");
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
      const stopping = worker();
      await waitFor(
        () => assignedInRun(runId),
        (n) => n >= 30,
        20_000,
        "the worker to get going",
      );
      stopping.kill("SIGTERM");
      expect(await exited(stopping)).toBe(0);
      expect(await assigningNow("term")).toBe(0);
      // Nothing left to take over, so its heartbeat row is gone with it.
      expect(await sql("select id from provisioning_processes where pid = $1", [stopping.pid])).toEqual([]);
      const done = await assignedInRun(runId);
      expect(done).toBeLessThan(150);

      worker();
      await waitFor(
        () => assignedInRun(runId),
        (n) => n === 150,
        30_000,
        "another worker to finish the run (no lease to wait out)",
      );
      await expectEachDeviceAssignedOnce("term", runId, 150);
    },
  );
});
