// Raw SQL: none of ours. The adapter through which pg-boss runs its own SQL on our connection or
// transaction.
import PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "@/lib/logger";
import { withTraceContext } from "@/lib/observability/tracing";
import type { EngineSettings } from "../settings";
import type { ProvisionJobData } from "../types";

/** pg-boss keeps its tables in this schema of the app's database. */
export const BOSS_SCHEMA = "pgboss";
export const PROVISION_QUEUE = "provision-device";
/** A slice of a registration-records reconciliation (DPS service API); data `{ runId }`. */
export const RECONCILE_QUEUE = "reconcile-registrations";
/** Removing one device, and optionally its DPS registration record (bulk removal). */
export const REMOVAL_QUEUE = "remove-device";

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

export function jobInsert(
  data: ProvisionJobData,
  settings: EngineSettings,
  startAfter?: Date,
): PgBoss.JobInsert<ProvisionJobData> {
  return {
    name: PROVISION_QUEUE,
    data: withTraceContext(data),
    singletonKey: singletonKeyFor(data.deviceId),
    expireInSeconds: jobExpirySeconds(settings),
    ...(startAfter ? { startAfter: startAfter.toISOString() } : {}),
  };
}

/** One try at starting pg-boss and creating the queues; a failed try stops what it started. */
async function startBossOnce(pool: pg.Pool, settings: EngineSettings): Promise<PgBoss> {
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
  boss.on("error", (error: Error) =>
    logger.warn({ err: { name: error.name, message: error.message } }, "pg-boss error"),
  );
  try {
    await boss.start();
    await boss.createQueue(PROVISION_QUEUE, {
      name: PROVISION_QUEUE,
      policy: "short",
      retryLimit: CRASH_REDELIVERIES,
      retryDelay: 1,
      retentionMinutes: RETENTION_DAYS * 24 * 60,
    });
    // A crashed slice is handed out again after it expires; the run resumes from its stored token.
    await boss.createQueue(RECONCILE_QUEUE, {
      name: RECONCILE_QUEUE,
      policy: "standard",
      retryLimit: CRASH_REDELIVERIES,
      retryDelay: 5,
      retentionMinutes: RETENTION_DAYS * 24 * 60,
    });
    await boss.createQueue(REMOVAL_QUEUE, {
      name: REMOVAL_QUEUE,
      policy: "standard",
      retryLimit: CRASH_REDELIVERIES,
      retryDelay: 5,
      retentionMinutes: RETENTION_DAYS * 24 * 60,
    });
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw error;
  }
  return boss;
}

const DEADLOCK = "40P01";
const START_TRIES = 6;

/**
 * A started pg-boss on `pool` (the engine's pool) with the queues created. Processes that start
 * together on a database without pg-boss's tables (or a queue) deadlock in PostgreSQL: creating a
 * queue attaches a partition to the job table. The loser's work is rolled back and every step is
 * idempotent, so it simply tries again a moment later.
 */
export async function startBoss(pool: pg.Pool, settings: EngineSettings): Promise<PgBoss> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBossOnce(pool, settings);
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= START_TRIES) throw error;
      logger.info({ attempt }, "pg-boss start met another process starting at the same moment; trying again");
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 200));
    }
  }
}
