import type PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import { engineDomains, type ServiceWorkContext } from "../domains";
import type { Engine } from "../engine";
import { RECONCILE_QUEUE, REMOVAL_QUEUE } from "../queue/boss";
import {
  enqueueHubDrift,
  enqueueReconciliation,
  type ReconcileJobData,
  type RemovalJobData,
} from "../queue/service-jobs";

const HOUSEKEEPING_EVERY_MS = 30_000;
/** How often a worker looks for old-hub identities left by moves (a move's cleanup runs within this). */
const MOVE_CLEANUP_EVERY_MS = 2_000;

/**
 * The service API's queue work in a worker process: reconciliation slices, bulk removals, the
 * periodic refresh of the group at a glance, and deleting the identities moved devices left in their old hubs. Stopping aborts DPS calls in flight (a slice gives its
 * run back at once; a removal not done is handed out again by the queue).
 */
export async function startServiceWorkers(engine: Engine, boss: PgBoss): Promise<{ stop(): Promise<void> }> {
  const stopping = new AbortController();
  const domains = engineDomains();
  const context: ServiceWorkContext = {
    pool: engine.pool,
    serviceClient: engine.serviceClient,
    signal: stopping.signal,
  };
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
          if (job.data.kind === "hub-drift") {
            const outcome = await domains.hubDriftSlice(context, job.data.runId, job.id);
            if (outcome.kind === "continue") await enqueueHubDrift(job.data.runId);
            if (outcome.kind === "retry-later") await enqueueHubDrift(job.data.runId, outcome.delayMs);
            if (outcome.kind === "completed")
              logger.info({ runId: job.data.runId, ...outcome.counts }, "hub drift compared");
            if (outcome.kind === "failed")
              logger.warn({ runId: job.data.runId, reason: outcome.reason }, "hub drift run failed");
            continue;
          }
          const outcome = await domains.reconcileSlice(context, job.data.runId, job.id);
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
        await domains.removeDevices(
          context,
          jobs.map(({ data }) => ({
            deviceId: data.deviceId,
            choice: data.choice ?? (data.deleteDpsRecord ? "clean" : "platform"),
            // What an older job asked for: the record deleted and the hub identity left as it was.
            leaveUncleanable: data.leaveUncleanable ?? data.deleteDpsRecord,
            actor:
              data.actorId || data.actorEmail
                ? { id: data.actorId ?? "", email: data.actorEmail ?? "" }
                : null,
          })),
        );
      })(),
    ),
  );

  let housekeeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    housekeeping ??= (async () => {
      try {
        // Runs that lost their job (every redelivery used up, or a queue purged): queued again, so none waits forever.
        const { stalledReconciliations, stalledHubDrifts = [] } = await domains.serviceHousekeeping(context);
        for (const runId of stalledReconciliations) await enqueueReconciliation(runId);
        for (const runId of stalledHubDrifts) await enqueueHubDrift(runId);
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "DPS service housekeeping failed");
      } finally {
        housekeeping = null;
      }
    })();
  }, HOUSEKEEPING_EVERY_MS);
  timer.unref();

  // Old-hub cleanups after moves: each claimed under a lease, so workers share them without doubles.
  let cleaning: Promise<void> | null = null;
  const moveTimer = setInterval(() => {
    cleaning ??= (async () => {
      try {
        for (let round = 0; round < 10 && !stopping.signal.aborted; round++) {
          if (!(await domains.cleanMovedHubs(context)).more) break;
        }
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "old-hub cleanup failed");
      } finally {
        cleaning = null;
      }
    })();
  }, MOVE_CLEANUP_EVERY_MS);
  moveTimer.unref();

  return {
    async stop() {
      clearInterval(timer);
      clearInterval(moveTimer);
      stopping.abort();
      await boss.offWork(RECONCILE_QUEUE);
      await boss.offWork(REMOVAL_QUEUE);
      await Promise.allSettled([...inFlight, housekeeping, cleaning]);
    },
  };
}
