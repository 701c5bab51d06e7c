import PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "@/lib/logger";
import type { EngineSettings } from "../settings";
import type { ProvisionJobData } from "../types";

/** pg-boss keeps its tables in this schema of the app's database. */
export const BOSS_SCHEMA = "pgboss";
export const PROVISION_QUEUE = "provision-device";

/**
 * One job per device attempt. The `short` policy allows one *waiting* job per singleton key, so
 * asking twice for the same device while a job waits collapses into that job (pg-boss 10: a unique
 * index on (name, singleton_key) over state = 'created'); a job already running does not block a
 * new one, so a re-provision requested mid-attempt still happens afterwards.
 */
export function singletonKeyFor(deviceId: number): string {
  return `d:${deviceId}`;
}

/** A job that crashed with its worker is handed out again after it expires, this many times. */
const CRASH_REDELIVERIES = 10;
const RETENTION_DAYS = 30;

type Executor = { query: (text: string, values?: unknown[]) => Promise<pg.QueryResult> };

/** pg-boss's `db` adapter over a pg pool or a client inside our transaction; remembers the last row count. */
export function bossDb(executor: Executor): PgBoss.Db & { lastRowCount: number } {
  const adapter = {
    lastRowCount: 0,
    async executeSql(text: string, values: unknown[]) {
      const result = await executor.query(text, values);
      adapter.lastRowCount = result.rowCount ?? 0;
      return result;
    },
  };
  return adapter;
}

/** The job expires (and is handed out again) a little after the lease it grants its attempt. */
export function jobExpirySeconds(settings: EngineSettings): number {
  return Math.ceil(settings.leaseSeconds) + 10;
}

/** The lease an attempt may take for a job, read back from the job so enqueuer and worker agree. */
export function leaseForJob(expireInSeconds: number): number {
  return Math.max(2, expireInSeconds - 10);
}

export function jobInsert(data: ProvisionJobData, settings: EngineSettings, startAfter?: Date): PgBoss.JobInsert<ProvisionJobData> {
  return {
    name: PROVISION_QUEUE,
    data,
    singletonKey: singletonKeyFor(data.deviceId),
    expireInSeconds: jobExpirySeconds(settings),
    ...(startAfter ? { startAfter: startAfter.toISOString() } : {}),
  };
}

/** A started pg-boss on `pool` (the engine's pool) with the provisioning queue created. */
export async function startBoss(pool: pg.Pool, settings: EngineSettings): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(pool),
    schema: BOSS_SCHEMA,
    // No cron schedules: the sweeper in worker.ts does the periodic work.
    schedule: false,
    supervise: true,
    // Expiry of crashed jobs runs in maintenance; with a short lease (tests) it must run often.
    maintenanceIntervalSeconds: Math.max(1, Math.min(30, Math.round(settings.leaseSeconds / 3))),
    archiveCompletedAfterSeconds: 3_600,
    deleteAfterDays: 1,
  });
  boss.on("error", (error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, "pg-boss error"));
  await boss.start();
  await boss.createQueue(PROVISION_QUEUE, {
    name: PROVISION_QUEUE,
    policy: "short",
    retryLimit: CRASH_REDELIVERIES,
    retryDelay: 1,
    retentionMinutes: RETENTION_DAYS * 24 * 60,
  });
  return boss;
}
