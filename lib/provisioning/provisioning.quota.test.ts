import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { once } from "node:events";
import type { ChildProcess } from "node:child_process";
import { getDb } from "@/lib/database";
import type { TestEmulator } from "@/tests/support/dps-emulator";
import {
  enqueueProvisioning,
  shutdownProvisioning,
  startProvisioningWorker,
  type ProvisioningWorker,
} from "./index";
import {
  connectDps,
  exited,
  insertDevices,
  spawnWorker,
  startEmulatorAndEngine,
  waitFor,
} from "../../tests/support/provisioning";

const QUOTA = 120;
let emulator: TestEmulator;
let local: ProvisioningWorker;
let child: ChildProcess;

beforeAll(async () => {
  emulator = await startEmulatorAndEngine({
    quotas: { registrationsPerMinute: QUOTA, operationsPerMinute: 2 * QUOTA, pollsPer10sPerDevice: 5 },
  });
  await connectDps(emulator, { registrationsPerMinute: QUOTA, operationsPerMinute: 2 * QUOTA });
  child = spawnWorker(emulator, { HIC_WORKER_CONCURRENCY: "16" });
  const ready = new Promise<void>((resolve) =>
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("Working") && resolve()),
  );
  await Promise.race([
    ready,
    once(child, "exit").then(() => Promise.reject(new Error("the worker process exited"))),
  ]);
  local = await startProvisioningWorker({ concurrency: 16 });
}, 60_000);

afterAll(async () => {
  child?.kill("SIGTERM");
  if (child) await exited(child);
  await local?.stop();
  await shutdownProvisioning();
  await emulator?.dispose();
});

describe("the global rate limiter against a DPS quota", () => {
  it(
    "two worker processes together stay under 120 registrations/min, close to it, with no 429",
    { timeout: 60_000 },
    async () => {
      const count = 55;
      const ids = await insertDevices(count, "quota");
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "connect", actor: null });
      await waitFor(
        async () =>
          (
            await getDb().$client.query<{ n: string }>(
              "select count(*) as n from provisioning_history where run_id = $1 and outcome = 'assigned'",
              [runId],
            )
          ).rows[0]!.n,
        (n) => Number(n) === count,
        45_000,
        "all devices assigned",
      );

      expect(emulator.admin.counters().throttled).toBe(0);
      const { rows } = await getDb().$client.query<{ t: Date }>(
        "select started_at as t from provisioning_history where run_id = $1 order by started_at",
        [runId],
      );
      const times = rows.map((row) => row.t.getTime());
      const perMinute = ((times.length - 1) / ((times.at(-1)! - times[0]!) / 1000)) * 60;
      expect(perMinute).toBeLessThanOrEqual(QUOTA);
      expect(perMinute).toBeGreaterThanOrEqual(0.95 * QUOTA);
      // No burst anywhere: at most a sixth of the per-minute quota in any 10 s.
      let first = 0;
      let busiest = 0;
      for (let last = 0; last < times.length; last++) {
        while (times[last]! - times[first]! >= 10_000) first++;
        busiest = Math.max(busiest, last - first + 1);
      }
      expect(busiest).toBeLessThanOrEqual(QUOTA / 6 + 1);
    },
  );
});
