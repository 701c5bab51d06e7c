import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/lib/database";
import { migrateDatabase } from "@/db/migrate";
import { env, setEnv } from "@/lib/env";
import { startEmbeddedPostgres, type RunningPostgres } from "@/ops/postgres/embedded";
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

/**
 * A PostgreSQL server of this file's own (the shared test server cannot be restarted under the
 * other files), stopped and started again while two `npm run worker` processes provision.
 */
let dataDir: string;
let server: RunningPostgres;
let emulator: TestEmulator;
const workers: ChildProcess[] = [];
const sharedUrl = env().DATABASE_URL;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "hic-restart-"));
  chmodSync(dataDir, 0o755); // the server runs as `postgres` when we are root
  server = await startEmbeddedPostgres({ dataDir });
  await migrateDatabase(server.url);
  setEnv({ DATABASE_URL: server.url });
  emulator = await startEmulatorAndEngine({ retryAfterSeconds: 1 });
  // Paced, so the restart lands mid-run.
  await connectDps(emulator, { registrationsPerMinute: 3_000, operationsPerMinute: 100_000 });
  for (let i = 0; i < 2; i++) workers.push(spawnWorker(emulator, { HIC_WORKER_CONCURRENCY: "32" }));
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.kill("SIGKILL");
  await Promise.all(workers.map(exited));
  await shutdownProvisioning();
  await closeDb();
  await server?.stop();
  await emulator?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  setEnv({ DATABASE_URL: sharedUrl });
});

const sql = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await getDb().$client.query<T>(text, values)).rows;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a database restart under running workers", () => {
  it(
    "loses, duplicates and strands nothing: every device assigned exactly once, and the workers never exit",
    { timeout: 120_000 },
    async () => {
      const count = 300;
      const ids = await insertDevices(count, "restart");
      const { runId } = await enqueueProvisioning({ deviceIds: ids }, { trigger: "import", actor: null });
      await waitFor(
        () => sql<{ n: string }>("select count(*) as n from provisioning_history where run_id = $1", [runId]),
        (rows) => Number(rows[0]!.n) >= 60,
        60_000,
        "the run to get going",
      );

      const port = server.port;
      await server.stop();
      await sleep(3_000);
      server = await startEmbeddedPostgres({ dataDir, preferredPort: port });
      expect(server.port).toBe(port);

      await waitFor(
        () =>
          sql<{ status: string; n: string }>(
            "select status, count(*) as n from devices where registration_id like 'restart-%' group by status",
          ),
        (rows) => rows.length === 1 && rows[0]!.status === "assigned",
        // Well under the 90 s lease: an attempt the restart interrupted must not wait it out.
        45_000,
        "every device assigned after the restart",
      );
      const perDevice = await sql<{ assigned: string; n: string }>(
        `select assigned, count(*) as n from (
         select d.id, count(h.id) filter (where h.outcome = 'assigned' and h.run_id = $1) as assigned
         from devices d left join provisioning_history h on h.device_id = d.id
         where d.registration_id like 'restart-%' group by d.id) per group by assigned`,
        [runId],
      );
      expect(perDevice).toEqual([{ assigned: "1", n: String(count) }]);
      expect(workers.map((worker) => worker.exitCode)).toEqual([null, null]);
    },
  );
});
