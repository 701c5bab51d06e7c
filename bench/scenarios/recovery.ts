import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrateDatabase } from "@/db/migrate";
import { DPS_INTEGRATION_ID } from "@/lib/integrations/azure-dps/integration-dto";
import { startEmbeddedPostgres, type RunningPostgres } from "@/ops/postgres/embedded";
import { pickPort } from "@/ops/postgres/free-port";
import { integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import { encryptSecret, parseKek } from "@/lib/secrets/envelope";
import type { BenchResult } from "../support/result";
import { benchDatabase } from "../support/database";
import { emulatorConfig, startEmulatorProcess } from "../support/emulator-process";
import { connectRig, seedDevices, type Rig } from "../support/provisioning-rig";
import { addSupportUser, enqueueUnassigned, startAppRig } from "../support/app-rig";
import {
  clusterDirOf,
  embeddedDatabaseUrl,
  exited,
  killTree,
  secretOf,
  startLauncher,
  type LauncherRun,
} from "../support/launcher-rig";
import { loadAverage } from "../support/process-cpu";
import { signInOverHttp } from "../support/sign-in";
import { round } from "../support/stats";
import type { ScenarioContext } from "./provisioning";

const SUPPORT = { email: "support@bench.local", password: "bench-support-password" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type RunFacts = { final: number; failed: number; duplicates: number };

async function runFacts(sql: Rig["sql"], runId: number): Promise<RunFacts> {
  const [row] = await sql<{ final: string; failed: string; duplicates: string }>(
    `select count(*) filter (where outcome in ('assigned', 'failed', 'disabled')) as final,
       count(*) filter (where outcome in ('failed', 'disabled')) as failed,
       (select count(*) from (select device_id from provisioning_history where run_id = $1 and outcome = 'assigned' group by device_id having count(*) > 1) d) as duplicates
     from provisioning_history where run_id = $1`,
    [runId],
  );
  return { final: Number(row!.final), failed: Number(row!.failed), duplicates: Number(row!.duplicates) };
}

/** Polls (every 100 ms) until `done` says so; resolves with the time it did (epoch ms). */
async function when(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done().catch(() => false)) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A SQL helper on a pool that survives the server going away (queries fail meanwhile). */
function sqlOn(url: string): { sql: Rig["sql"]; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => {});
  return { sql: async (text, params = []) => (await pool.query(text, params)).rows, close: () => pool.end() };
}

/** The devices page answers 200 with its heading for a signed-in support user. */
async function devicesPageServes(url: string, cookie: string): Promise<boolean> {
  const response = await fetch(`${url}/devices`, { headers: { Cookie: cookie } });
  const body = await response.text();
  return response.status === 200 && body.includes(">Devices</h1>");
}

/**
 * (c1) DPS away for 45 s in the middle of a run (300 devices, as in the report that opened this
 * work), ten DPS units with Retry-After 3 s: how long after DPS answers again the first and the
 * last device are on their hub, and that none failed.
 */
async function dpsOutage(context: ScenarioContext): Promise<BenchResult> {
  const devices = 300;
  const outageMs = context.quick ? 20_000 : 45_000;
  const groupKey = randomBytes(64).toString("base64");
  const emulator = await startEmulatorProcess(
    emulatorConfig({ groupKey, registrationsPerMinute: 10_000, retryAfterSeconds: 3 }),
    path.join(context.workDir, "emulator-outage"),
  );
  const rig = await connectRig(await benchDatabase(context.server, "bench_outage"), emulator, 10_000);
  const app = await startAppRig(rig, emulator, { workers: 2 });
  try {
    await seedDevices(rig, "outage-", devices);
    const load = loadAverage();
    const runId = await enqueueUnassigned(app.env);
    await when(
      async () => (await runFacts(rig.sql, runId)).final >= devices / 3,
      60_000,
      "a third of the run",
    );
    await emulator.admin("PATCH", "faults", { unreachable: true });
    const doneAtOutage = (await runFacts(rig.sql, runId)).final;
    await sleep(outageMs);
    await emulator.admin("PATCH", "faults", { unreachable: false });
    const back = Date.now();
    await when(
      async () => (await runFacts(rig.sql, runId)).final >= devices,
      120_000,
      "every device after the outage",
    );
    const [times] = await rig.sql<{ first: Date; last: Date }>(
      "select min(finished_at) filter (where finished_at > to_timestamp($2 / 1000.0)) as first, max(finished_at) as last from provisioning_history where run_id = $1",
      [runId, back],
    );
    const facts = await runFacts(rig.sql, runId);
    const lastAfter = (times!.last.getTime() - back) / 1000;
    return {
      scenario: "recovery: DPS back after an outage",
      setup: `${devices} devices, ten DPS units, Retry-After 3 s, web server + 2 workers; DPS unreachable for ${outageMs / 1000} s once ${doneAtOutage} were done; load average ${load}`,
      metrics: {
        "first device assigned after DPS back s": round((times!.first.getTime() - back) / 1000),
        "last device assigned after DPS back s": round(lastAfter),
        failed: facts.failed,
        duplicates: facts.duplicates,
      },
      target: "last device <= 10 s after DPS is back, 0 failed",
      met: lastAfter <= 10 && facts.failed === 0 && facts.duplicates === 0,
    };
  } finally {
    await app.stop();
    await rig.close();
    await emulator.stop();
  }
}

/** Saves the local emulator's demo connection the way the Connect dialog does, at the demo emulator's own quota. */
async function connectLauncherDps(dataDir: string, sql: Rig["sql"]): Promise<void> {
  const connection = JSON.parse(
    readFileSync(path.join(dataDir, "dps-emulator", "connection.json"), "utf8"),
  ) as { idScope: string; groupKey: string; host: string };
  const kek = parseKek(secretOf(dataDir, "hic_secret_key"));
  await sql(
    `insert into integrations (id, id_scope, host, registrations_per_minute, operations_per_minute, primary_key_ciphertext, version, updated_at, updated_by_email)
     values ($1, $2, $3, 1000, 1000, $4, 1, now(), 'bench')`,
    [
      DPS_INTEGRATION_ID,
      connection.idScope,
      connection.host,
      encryptSecret(connection.groupKey, kek, integrationKeyContext(DPS_INTEGRATION_ID, "primary")),
    ],
  );
}

async function queueFromLauncher(dataDir: string, databaseUrl: string): Promise<number> {
  return enqueueUnassigned({
    ...process.env,
    DATABASE_URL: databaseUrl,
    HIC_SECRET_KEY: secretOf(dataDir, "hic_secret_key"),
    LOG_LEVEL: "warn",
  });
}

function tempDataDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return {
    dir,
    remove: () => {
      try {
        const cluster = clusterDirOf(dir);
        if (path.relative(dir, cluster).startsWith(".."))
          rmSync(path.dirname(cluster), { recursive: true, force: true });
      } catch {
        // no cluster
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * (c2) `npm start` (embedded PostgreSQL, the local emulator at its demo quota) mid-run, then kill
 * -9 of every process it started, then `npm start` again: how long after it is ready the first
 * device is provisioned, and the last; each device assigned once.
 */
async function restartRecovery(context: ScenarioContext): Promise<BenchResult> {
  const devices = context.quick ? 300 : 600;
  const data = tempDataDir("hic-bench-restart-");
  let launcher: LauncherRun | null = null;
  let db: ReturnType<typeof sqlOn> | null = null;
  // DPS keeps its address across our restart: the emulator must come back on the same port.
  const dpsEnv = { HIC_DPS_EMULATOR_PORT: String(await pickPort(0)) };
  try {
    launcher = await startLauncher(data.dir, dpsEnv);
    const url = embeddedDatabaseUrl(data.dir);
    db = sqlOn(url);
    await connectLauncherDps(data.dir, db.sql);
    await db.sql(
      `insert into devices (registration_id) select 'restart-' || lpad(g::text, 6, '0') from generate_series(1, $1::int) g`,
      [devices],
    );
    const load = loadAverage();
    const runId = await queueFromLauncher(data.dir, url);
    await when(
      async () => (await runFacts(db!.sql, runId)).final >= devices / 4,
      120_000,
      "a quarter of the run",
    );
    const [inFlight] = await db.sql<{ n: string }>(
      "select count(*) as n from devices where status = 'assigning'",
    );
    const doneAtKill = (await runFacts(db.sql, runId)).final;
    const killed = killTree(launcher.child.pid!);
    await exited(launcher.child);
    await db.close();
    db = null;
    await sleep(2_000);
    const port = new URL(launcher.url).port;
    launcher = await startLauncher(data.dir, dpsEnv, Number(port));
    const ready = launcher.readyAt;
    db = sqlOn(embeddedDatabaseUrl(data.dir));
    const resumedAt = await when(
      async () =>
        (
          await db!.sql(
            "select 1 from provisioning_history where run_id = $1 and finished_at > to_timestamp($2 / 1000.0) limit 1",
            [runId, ready],
          )
        ).length > 0,
      120_000,
      "the first device after the restart",
    );
    await when(
      async () => (await runFacts(db!.sql, runId)).final >= devices,
      300_000,
      "every device after the restart",
    );
    const facts = await runFacts(db.sql, runId);
    const [last] = await db.sql<{ last: Date }>(
      "select max(finished_at) as last from provisioning_history where run_id = $1",
      [runId],
    );
    const resumed = (resumedAt - ready) / 1000;
    return {
      scenario: "recovery: kill -9 of everything, then npm start",
      setup: `npm start (embedded PostgreSQL, local emulator at its demo quota: ${devices} devices at 500/min, Retry-After 1 s); kill -9 of all ${killed} processes once ${doneAtKill} were done (${inFlight!.n} in flight); npm start again 2 s later; load average ${load}`,
      metrics: {
        "work resumed after ready s (first device)": round(resumed),
        "last device after ready s": round((last!.last.getTime() - ready) / 1000),
        failed: facts.failed,
        duplicates: facts.duplicates,
      },
      target: "work resumes <= 15 s after the app is ready; each device once, none failed",
      met: resumed <= 15 && facts.failed === 0 && facts.duplicates === 0,
    };
  } finally {
    await db?.close();
    if (launcher && launcher.child.exitCode === null) {
      launcher.child.kill("SIGTERM");
      await exited(launcher.child);
    }
    data.remove();
  }
}

/**
 * (c3) The database restarted mid-run under a running app, both ways it runs: a server in
 * DATABASE_URL stopped for 10 s and started again, and the embedded one killed under `npm start`
 * (the launcher starts it again). How long after the database accepts connections again a
 * support user gets the devices page, and that each device was provisioned exactly once.
 */
async function databaseRecovery(context: ScenarioContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const devices = context.quick ? 500 : 1_000;

  // DATABASE_URL: a server of this scenario's own, which it can stop.
  const data = tempDataDir("hic-bench-dbrestart-");
  let server: RunningPostgres | null = await startEmbeddedPostgres({ dataDir: data.dir });
  const groupKey = randomBytes(64).toString("base64");
  const emulator = await startEmulatorProcess(
    emulatorConfig({ groupKey, registrationsPerMinute: 3_000, retryAfterSeconds: 3 }),
    path.join(context.workDir, "emulator-dbrestart"),
  );
  try {
    await migrateDatabase(server.url);
    const rig = await connectRig(server.url, emulator, 3_000);
    await seedDevices(rig, "dbr-", devices);
    await addSupportUser(rig, SUPPORT.email, SUPPORT.password);
    const app = await startAppRig(rig, emulator, { workers: 2 });
    const db = sqlOn(server.url);
    try {
      const cookie = await signInOverHttp(app.url, SUPPORT.email, SUPPORT.password);
      const load = loadAverage();
      const runId = await enqueueUnassigned(app.env);
      await when(
        async () => (await runFacts(db.sql, runId)).final >= devices / 3,
        120_000,
        "a third of the run",
      );
      const port = server.port;
      await server.stop();
      server = null;
      await sleep(10_000);
      const unavailable = await fetch(`${app.url}/devices`, { headers: { Cookie: cookie } }).then(
        async (r) => ({ status: r.status, plain: (await r.text()).includes("The database is unavailable") }),
      );
      server = await startEmbeddedPostgres({ dataDir: data.dir, preferredPort: port });
      const back = Date.now();
      const served = await when(
        () => devicesPageServes(app.url, cookie),
        60_000,
        "the devices page after the restart",
      );
      await when(
        async () => (await runFacts(db.sql, runId)).final >= devices,
        180_000,
        "every device after the restart",
      );
      const facts = await runFacts(db.sql, runId);
      const pagesBack = (served - back) / 1000;
      results.push({
        scenario: "recovery: database in DATABASE_URL restarted mid-run",
        setup: `${devices} devices at 3,000/min, web server + 2 workers; the server stopped (fast shutdown) once a third were done, started again 10 s later; load average ${load}`,
        metrics: {
          "devices page served again after the database is back s": round(pagesBack),
          "while away: status / plain message": `${unavailable.status} / ${unavailable.plain ? "yes" : "no"}`,
          failed: facts.failed,
          duplicates: facts.duplicates,
          "workers still running": app.workers.filter((w) => w && w.child.exitCode === null).length,
        },
        target: "pages <= 10 s after the database is back; every device once, none failed",
        met: pagesBack <= 10 && facts.failed === 0 && facts.duplicates === 0 && unavailable.plain,
      });
    } finally {
      await db.close();
      await app.stop();
      await rig.close();
    }
  } finally {
    await server?.stop();
    await emulator.stop();
    data.remove();
  }

  // Embedded, under npm start: the postmaster killed outright.
  const launcherData = tempDataDir("hic-bench-dbkill-");
  let launcher: LauncherRun | null = null;
  let db: ReturnType<typeof sqlOn> | null = null;
  try {
    launcher = await startLauncher(launcherData.dir);
    const url = embeddedDatabaseUrl(launcherData.dir);
    db = sqlOn(url);
    const embeddedDevices = context.quick ? 300 : 500;
    await connectLauncherDps(launcherData.dir, db.sql);
    await db.sql(
      `insert into devices (registration_id) select 'dbk-' || lpad(g::text, 6, '0') from generate_series(1, $1::int) g`,
      [embeddedDevices],
    );
    await addSupportUser(db, SUPPORT.email, SUPPORT.password);
    const cookie = await signInOverHttp(launcher.url, SUPPORT.email, SUPPORT.password);
    const load = loadAverage();
    const runId = await queueFromLauncher(launcherData.dir, url);
    await when(
      async () => (await runFacts(db!.sql, runId)).final >= embeddedDevices / 3,
      120_000,
      "a third of the run",
    );
    const postmaster = Number(
      readFileSync(path.join(clusterDirOf(launcherData.dir), "postmaster.pid"), "utf8").split("\n")[0],
    );
    process.kill(postmaster, "SIGKILL");
    const run = launcher;
    const back = await when(
      async () => /PostgreSQL is running again/.test(run.output()),
      120_000,
      "the launcher to start PostgreSQL again",
    );
    const served = await when(
      () => devicesPageServes(run.url, cookie),
      60_000,
      "the devices page after the restart",
    );
    await when(
      async () => (await runFacts(db!.sql, runId)).final >= embeddedDevices,
      300_000,
      "every device after the restart",
    );
    const facts = await runFacts(db.sql, runId);
    const pagesBack = (served - back) / 1000;
    results.push({
      scenario: "recovery: embedded PostgreSQL killed under npm start",
      setup: `npm start, ${embeddedDevices} devices at the demo emulator's 500/min; kill -9 of the postmaster once a third were done; the launcher starts it again; load average ${load}`,
      metrics: {
        "devices page served again after the database is back s": round(pagesBack),
        failed: facts.failed,
        duplicates: facts.duplicates,
      },
      target: "pages <= 10 s after the database is back; every device once, none failed",
      met: pagesBack <= 10 && facts.failed === 0 && facts.duplicates === 0,
    });
  } finally {
    await db?.close();
    if (launcher && launcher.child.exitCode === null) {
      launcher.child.kill("SIGTERM");
      await exited(launcher.child);
    }
    launcherData.remove();
  }
  return results;
}

/** (c) Recovery times: DPS back, a restart after kill -9, the database back. */
export async function recovery(context: ScenarioContext): Promise<BenchResult[]> {
  return [await dpsOutage(context), await restartRecovery(context), ...(await databaseRecovery(context))];
}
