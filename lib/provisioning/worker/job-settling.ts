import type { PoolClient } from "pg";
import type PgBoss from "pg-boss";
import { withTransaction } from "@/db/transaction";
import type { AttemptResult } from "../attempts/attempt";
import { whileDatabaseIsAway } from "../attempts/database-retry";
import type { Engine } from "../engine";
import { bossDb, leaseForJob, PROVISION_QUEUE } from "../queue/boss";
import { notifyWorkers } from "../queue/job-notifier";
import { adjustRunTotal, queueAgain } from "../queue/jobs";
import type { ProvisionJobData } from "../types";
import type { JobCompleter } from "./job-completer";

type Job = PgBoss.Job<ProvisionJobData>;

/** Completes, re-queues or drops the job according to what its attempt came to. */
export async function settle(
  engine: Engine,
  boss: PgBoss,
  completer: JobCompleter,
  job: Job,
  result: AttemptResult,
): Promise<void> {
  switch (result.type) {
    case "recorded":
      completer.add(job.id);
      return;
    case "not-claimed":
      if (result.reason === "busy") {
        // Another attempt holds the device (or this job came back before its own lease ran out):
        // ask again once that lease is over.
        await requeue(engine, boss, job, Math.max(1_000, Math.min(result.leaseLeftMs + 500, 30_000)));
        return;
      }
      if (result.reason === "missing") await adjustRunTotal(engine.pool, job.data.runId, -1);
      completer.add(job.id);
      return;
    case "not-run":
      // Queued again already, with the device given back (see handBack in the worker's requests).
      return;
  }
}

/** The same request as a new job (a new attempt id) after `delayMs`, completing the old one in the same transaction. */
async function requeue(engine: Engine, boss: PgBoss, job: Job, delayMs: number): Promise<void> {
  // Through a database restart too: the job stays active meanwhile, so nothing runs twice.
  await whileDatabaseIsAway(
    () => withTransaction(engine.pool, (client) => queueInstead(engine, boss, client, job, delayMs)),
    Date.now() + leaseForJob(Number(job.expireInSeconds)) * 1000,
  );
}

/**
 * In `client`'s transaction: `job`'s request as a new job (the same attempt number: work that could
 * not run, e.g. in an outage or with a refused key, spends no retry), and `job` completed.
 */
export async function queueInstead(
  engine: Engine,
  boss: PgBoss,
  client: PoolClient,
  job: Job,
  delayMs: number,
): Promise<void> {
  const startAfter = delayMs > 0 ? new Date(Date.now() + delayMs) : undefined;
  await queueAgain(boss, client, job.data, engine.settings, startAfter);
  if (!startAfter) await notifyWorkers(client);
  // pg-boss reads the third argument as output data, so the connection goes fourth.
  await boss.complete(PROVISION_QUEUE, job.id, {}, { db: bossDb(client) });
}
