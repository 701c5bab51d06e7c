// Raw SQL: finding orphaned attempts and closing their jobs reads and updates pg-boss's own job
// table (not in the drizzle schema); the rest goes through drizzle.
import type pg from "pg";
import type PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import { FINAL_OUTCOMES } from "../attempts/attempt-outcome";
import { notifyWorkers } from "../queue/job-notifier";
import { withTransaction } from "@/db/transaction";
import { queueAgain } from "../queue/jobs";
import { BOSS_SCHEMA, PROVISION_QUEUE } from "../queue/boss";
import type { EngineSettings } from "../settings";
import type { ProvisionJobData } from "../types";
import { queryBuilder } from "@/db/query-builder";
import { devices, provisioningHistory, provisioningRuns } from "@/db/schema/devices";
import { provisioningProcesses } from "@/db/schema/engine";
import { and, count, eq, inArray, isNull, lt, lte, sql } from "drizzle-orm";

type Orphan = {
  id: number;
  attempt_id: string;
  attempt_count: number;
  data: ProvisionJobData | null;
  owner_gone: boolean;
};

export type SweepingProcess = {
  /** This process's heartbeat id: its own attempts are never orphans to it. */
  id: string;
  /** False right after this process was cut off itself (see Heartbeat.mayJudgeOthers). */
  mayJudgeOthers: boolean;
};

/**
 * Devices left "assigning" by an attempt that will not finish:
 * - its process is gone: the process's heartbeat is older than HIC_HEARTBEAT_STALE_MS, or its row
 *   was removed (a stopped process removes its row once it has handed its work back). Taken over
 *   at once, without waiting for the lease.
 * - its lease ran out and pg-boss will not hand its job out again: an inline attempt of a process
 *   that had no heartbeat, or a job that exhausted its redeliveries.
 * Each goes back to pending with a fresh job (or to failed when it has no attempts left); its old
 * job is closed in the same transaction, so it is not handed out again on top of the new one.
 */
export async function resumeOrphanedAttempts(
  pool: pg.Pool,
  boss: PgBoss,
  settings: EngineSettings,
  me: SweepingProcess | null = null,
): Promise<number> {
  const { rows } = await pool.query<Orphan>(
    `select d.id, d.attempt_id, d.attempt_count, j.data,
       (d.attempt_owner is not null and (p.id is null or p.heartbeat_at < clock_timestamp() - $3::float8 * interval '1 millisecond')) as owner_gone
     from devices d
     left join ${BOSS_SCHEMA}.job j on j.name = $1 and j.id = d.attempt_id
     left join provisioning_processes p on p.id = d.attempt_owner
     where d.status = 'assigning'
       and ((d.lease_expires_at < clock_timestamp() - interval '2 seconds' and (j.id is null or j.state > 'active'))
         or ($4::boolean and d.attempt_owner is distinct from $2::uuid and d.attempt_owner is not null
             and (p.id is null or p.heartbeat_at < clock_timestamp() - $3::float8 * interval '1 millisecond')))
     order by d.lease_expires_at
     limit 500`,
    [PROVISION_QUEUE, me?.id ?? null, settings.heartbeatStaleMs, me?.mayJudgeOthers ?? false],
  );
  let resumed = 0;
  for (const orphan of rows) {
    const next = orphan.attempt_count + 1;
    const exhausted = next > settings.maxAttempts;
    const done = await withTransaction(pool, async (client) => {
      const { rowCount } = await queryBuilder(client)
        .update(devices)
        .set({
          status: exhausted ? "failed" : "pending",
          attemptId: null,
          attemptOwner: null,
          leaseExpiresAt: null,
          lastErrorKind: "interrupted",
          lastErrorCode: null,
          lastErrorMessage: exhausted
            ? `The provisioning attempt was interrupted (its worker stopped) after ${orphan.attempt_count} attempts.`
            : "The provisioning attempt was interrupted (its worker stopped); it was queued again.",
          nextRetryAt: exhausted ? null : sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(devices.id, orphan.id),
            eq(devices.attemptId, orphan.attempt_id),
            eq(devices.status, "assigning"),
          ),
        );
      if (!rowCount) return false;
      // The old job must not come back (pg-boss would redeliver it when it expires, as a second attempt).
      await client.query(
        `update ${BOSS_SCHEMA}.job set state = 'completed', completed_on = now(), output = '{"takenOver": true}'::jsonb
         where name = $1 and id = $2 and state < 'completed'`,
        [PROVISION_QUEUE, orphan.attempt_id],
      );
      if (exhausted) return true;
      const data: ProvisionJobData = {
        deviceId: orphan.id,
        runId: orphan.data?.runId ?? null,
        trigger: "automatic",
        actorId: orphan.data?.actorId ?? null,
        actorEmail: orphan.data?.actorEmail ?? null,
        attempt: next,
      };
      await queueAgain(boss, client, data, settings);
      await notifyWorkers(client);
      return true;
    });
    if (done) resumed += 1;
  }
  if (resumed > 0)
    logger.info(
      { resumed, ofStoppedProcesses: rows.filter((row) => row.owner_gone).length },
      "resumed provisioning attempts interrupted by a stopped process",
    );
  return resumed;
}

/** Rows of processes gone for a day: their attempts were taken over long ago. */
export async function forgetLongGoneProcesses(pool: pg.Pool): Promise<void> {
  await queryBuilder(pool)
    .delete(provisioningProcesses)
    .where(lt(provisioningProcesses.heartbeatAt, sql`now() - interval '1 day'`));
}

/** Marks bulk runs finished once each of their devices has a final result. */
export async function finishCompletedRuns(pool: pg.Pool): Promise<void> {
  const finished = queryBuilder(pool)
    .select({ count: count() })
    .from(provisioningHistory)
    .where(
      and(
        eq(provisioningHistory.runId, provisioningRuns.id),
        inArray(provisioningHistory.outcome, FINAL_OUTCOMES),
      ),
    );
  await queryBuilder(pool)
    .update(provisioningRuns)
    .set({ finishedAt: sql`now()` })
    .where(and(isNull(provisioningRuns.finishedAt), lte(provisioningRuns.total, sql`(${finished})`)));
}
