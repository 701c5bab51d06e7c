import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import { integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import { DPS_INTEGRATION_ID } from "@/lib/integrations/azure-dps/integration-dto";
import type { EmulatorProcess } from "./emulator-process";

/** What every provisioning scenario needs: a database with DPS "connected" to the emulator. */
export type Rig = {
  databaseUrl: string;
  secretKey: string;
  sql: <T extends pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
};

export async function connectRig(
  databaseUrl: string,
  emulator: EmulatorProcess,
  registrationsPerMinute: number,
): Promise<Rig> {
  const secretKey = randomBytes(32).toString("base64");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // Scenarios restart the database under the rig: its idle connections then fail, which is expected.
  pool.on("error", () => {});
  const kek = parseKek(secretKey);
  await pool.query(
    `insert into integrations (id, id_scope, host, registrations_per_minute, operations_per_minute, primary_key_ciphertext, version, updated_at, updated_by_email)
     values ($1, $2, $3, $4, $5, $6, 1, now(), 'bench')`,
    [
      DPS_INTEGRATION_ID,
      emulator.idScope,
      `localhost:${emulator.port}`,
      registrationsPerMinute,
      // Only the registration quota is under test; polls must not be the limit.
      Math.max(100_000, registrationsPerMinute * 10),
      encryptSecret(emulator.groupKey, kek, integrationKeyContext(DPS_INTEGRATION_ID, "primary")),
    ],
  );
  return {
    databaseUrl,
    secretKey,
    sql: async (text, params = []) => (await pool.query(text, params)).rows,
    close: () => pool.end(),
  };
}

export async function seedDevices(rig: Rig, prefix: string, count: number): Promise<void> {
  await rig.sql(
    `insert into devices (registration_id) select $1 || lpad(g::text, 6, '0') from generate_series(1, $2::int) g`,
    [prefix, count],
  );
}

export function workerEnv(rig: Rig, emulator: EmulatorProcess, concurrency: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: rig.databaseUrl,
    HIC_SECRET_KEY: rig.secretKey,
    HIC_DPS_EMULATOR_HOST: `127.0.0.1:${emulator.port}`,
    HIC_DPS_EMULATOR_CA_FILE: emulator.caFile,
    HIC_WORKER_CONCURRENCY: String(concurrency),
    LOG_LEVEL: "warn",
  };
}

export type WorkerProcess = { child: ChildProcess; stop: () => Promise<void> };

/** Starts `npm run worker`'s script and resolves once it says it is working. */
export async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Working (pid")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
  });
  child.stdout!.resume();
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Polls the trigger-maintained counts until `count` devices with the prefix are assigned. */
export async function waitForAssigned(
  rig: Rig,
  prefix: string,
  count: number,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [row] = await rig.sql<{ n: string }>(
      `select count(*) as n from devices where registration_id like $1 and status = 'assigned'`,
      [`${prefix}%`],
    );
    if (Number(row!.n) >= count) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      const states = await rig.sql(
        `select status, last_error_kind, count(*) from devices where registration_id like $1 group by 1, 2`,
        [`${prefix}%`],
      );
      throw new Error(
        `only ${row!.n} of ${count} devices assigned after ${timeoutMs / 1000} s: ${JSON.stringify(states)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
