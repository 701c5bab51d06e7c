import type pg from "pg";
import type PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import { FINAL_OUTCOMES } from "../attempts/attempt-outcome";
import { notifyWorkers } from "../queue/job-notifier";
import { queueAgain, withTransaction } from "../queue/jobs";
import { BOSS_SCHEMA, PROVISION_QUEUE } from "../queue/boss";
import type { EngineSettings } from "../settings";
import type { ProvisionJobData } from "../types";

type Orphan = { id: number; attempt_id: string; attempt_count: number; data: ProvisionJobData | null };

/**
 * Devices left "assigning" whose lease ran out and whose job pg-boss will not hand out again: an
 * inline attempt whose process died, or a job that exhausted its redeliveries. (A job that is still
 * active or waiting to be retried is pg-boss's to redeliver; its attempt id resumes the device.)
 * Each goes back to pending with a fresh job, or to failed when it has no attempts left.
 */
export async function resumeOrphanedAttempts(pool: pg.Pool, boss: PgBoss, settings: EngineSettings): Promise<number> {
  const { rows } = await pool.query<Orphan>(
    `select d.id, d.attempt_id, d.attempt_count, j.data
     from devices d
     left join ${BOSS_SCHEMA}.job j on j.name = $1 and j.id = d.attempt_id
     where d.status = 'assigning' and d.lease_expires_at < clock_timestamp() - interval '2 seconds'
       and (j.id is null or j.state > 'active')
     order by d.lease_expires_at
     limit 200`,
    [PROVISION_QUEUE],
  );
  let resumed = 0;
  for (const orphan of rows) {
    const next = orphan.attempt_count + 1;
    const exhausted = next > settings.maxAttempts;
    const done = await withTransaction(pool, async (client) => {
      const { rowCount } = await client.query(
        `update devices set status = $3::device_status, attempt_id = null, lease_expires_at = null,
           last_error_kind = 'interrupted', last_error_code = null,
           last_error_message = $4, next_retry_at = case when $3::device_status = 'pending' then now() else null end, updated_at = now()
         where id = $1 and attempt_id = $2 and status = 'assigning' and lease_expires_at < clock_timestamp()`,
        [
          orphan.id,
          orphan.attempt_id,
          exhausted ? "failed" : "pending",
          exhausted
            ? `The provisioning attempt was interrupted (its worker stopped) after ${orphan.attempt_count} attempts.`
            : "The provisioning attempt was interrupted (its worker stopped); it was queued again.",
        ],
      );
      if (!rowCount || exhausted) return Boolean(rowCount);
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
  if (resumed > 0) logger.info({ resumed }, "resumed provisioning attempts interrupted by a stopped worker");
  return resumed;
}

/** Marks bulk runs finished once each of their devices has a final result. */
export async function finishCompletedRuns(pool: pg.Pool): Promise<void> {
  await pool.query(
    `update provisioning_runs r set finished_at = now()
     where r.finished_at is null
       and r.total <= (select count(*) from provisioning_history h where h.run_id = r.id and h.outcome = any($1::text[]))`,
    [FINAL_OUTCOMES],
  );
}
