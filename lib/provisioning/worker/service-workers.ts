import type PgBoss from "pg-boss";
import {
  loadDpsServiceCredentials,
  type DpsServiceCredentials,
} from "@/lib/integrations/azure-dps/credentials";
import { refreshServiceCheckIfDue } from "@/lib/integrations/azure-dps/service-refresh";
import { removeDeviceAndRecord } from "@/lib/devices/removal";
import { runReconciliationSlice } from "@/lib/registrations/reconcile";
import { LEASE_SECONDS } from "@/lib/registrations/records-store";
import { logger } from "@/lib/logger";
import type { Engine } from "../engine";
import { RECONCILE_QUEUE, REMOVAL_QUEUE } from "../queue/boss";
import { enqueueReconciliation, type ReconcileJobData, type RemovalJobData } from "../queue/service-jobs";

const HOUSEKEEPING_EVERY_MS = 30_000;

async function credentialsOrNull(): Promise<DpsServiceCredentials | null> {
  try {
    return await loadDpsServiceCredentials();
  } catch (error) {
    logger.error(
      { err: { name: (error as Error).name, message: (error as Error).message } },
      "cannot load the DPS service credential",
    );
    return null;
  }
}

/** Runs that lost their job (every redelivery used up, or a queue purged): queued again, so none waits forever. */
async function requeueStalledRuns(engine: Engine): Promise<void> {
  const { rows } = await engine.pool.query<{ id: number }>(
    `select id::int as id from registration_reconciliations
     where status in ('queued', 'running') and coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $1)`,
    [LEASE_SECONDS * 3],
  );
  for (const { id } of rows) await enqueueReconciliation(id);
}

/**
 * The service API's queue work in a worker process: reconciliation slices, bulk removals, and the
 * periodic refresh of the group at a glance. Stopping aborts DPS calls in flight (a slice gives its
 * run back at once; a removal not done is handed out again by the queue).
 */
export async function startServiceWorkers(engine: Engine, boss: PgBoss): Promise<{ stop(): Promise<void> }> {
  const stopping = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  };

  await boss.work<ReconcileJobData>(RECONCILE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, (jobs) =>
    track(
      (async () => {
        for (const job of jobs) {
          const outcome = await runReconciliationSlice(
            {
              pool: engine.pool,
              serviceClient: engine.serviceClient,
              loadCredentials: credentialsOrNull,
              signal: stopping.signal,
            },
            job.data.runId,
            job.id,
          );
          if (outcome.kind === "continue") await enqueueReconciliation(job.data.runId);
          if (outcome.kind === "retry-later") await enqueueReconciliation(job.data.runId, outcome.delayMs);
          if (outcome.kind === "completed")
            logger.info({ runId: job.data.runId, ...outcome.counts }, "registration records reconciled");
          if (outcome.kind === "failed")
            logger.warn({ runId: job.data.runId, reason: outcome.reason }, "reconciliation failed");
        }
      })(),
    ),
  );

  await boss.work<RemovalJobData>(REMOVAL_QUEUE, { batchSize: 8, pollingIntervalSeconds: 1 }, (jobs) =>
    track(
      (async () => {
        const credentials = jobs.some((job) => job.data.deleteDpsRecord) ? await credentialsOrNull() : null;
        for (const job of jobs) {
          if (stopping.signal.aborted)
            throw new Error("the worker is stopping; the queue hands the rest out again");
          const actor =
            job.data.actorId || job.data.actorEmail
              ? { id: job.data.actorId ?? "", email: job.data.actorEmail ?? "" }
              : null;
          await removeDeviceAndRecord(
            { pool: engine.pool, serviceClient: engine.serviceClient, credentials, signal: stopping.signal },
            job.data.deviceId,
            { deleteDpsRecord: job.data.deleteDpsRecord, actor, bulk: true },
          );
        }
      })(),
    ),
  );

  let housekeeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    housekeeping ??= (async () => {
      try {
        await refreshServiceCheckIfDue(engine.serviceClient, undefined, stopping.signal);
        await requeueStalledRuns(engine);
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "DPS service housekeeping failed");
      } finally {
        housekeeping = null;
      }
    })();
  }, HOUSEKEEPING_EVERY_MS);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await boss.offWork(RECONCILE_QUEUE);
      await boss.offWork(REMOVAL_QUEUE);
      await Promise.allSettled([...inFlight, housekeeping]);
    },
  };
}
