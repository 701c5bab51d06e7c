import type pg from "pg";
import type PgBoss from "pg-boss";
import { bossDb, PROVISION_QUEUE } from "../queue/boss";
import { withTransaction } from "@/db/transaction";
import type { ProvisionJobData } from "../types";

type Job = PgBoss.Job<ProvisionJobData>;

/** Thrown inside the transaction to undo a fetch that arrived after the worker began to stop. */
class StoppedMeanwhile extends Error {}

/**
 * Fetches up to `batchSize` jobs and claims their devices in one transaction. Apart, a process
 * killed between the two would leave its jobs 'active' over devices that name no owner, so no
 * heartbeat could hand them on and they would wait for pg-boss to expire them (lease + 10 s).
 * Together, its connection closes, the transaction rolls back, and the jobs can be fetched at once.
 * A fetch that returns after `stillWanted()` turned false is rolled back the same way.
 */
export async function fetchAndClaim<C>(
  pool: pg.Pool,
  boss: PgBoss,
  batchSize: number,
  claim: (client: pg.PoolClient, jobs: Job[]) => Promise<C[]>,
  stillWanted: () => boolean = () => true,
): Promise<{ jobs: Job[]; claims: C[] }> {
  try {
    return await withTransaction(pool, async (client) => {
      const jobs = await boss.fetch<ProvisionJobData>(PROVISION_QUEUE, { batchSize, db: bossDb(client) });
      if (!stillWanted()) throw new StoppedMeanwhile();
      return { jobs, claims: jobs.length ? await claim(client, jobs) : [] };
    });
  } catch (error) {
    if (error instanceof StoppedMeanwhile) return { jobs: [], claims: [] };
    throw error;
  }
}
