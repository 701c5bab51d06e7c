import type pg from "pg";
import type PgBoss from "pg-boss";
import { bossDb, jobInsert } from "./boss";
import type { EngineSettings } from "../settings";
import type { ProvisionJobData } from "../types";
import { queryBuilder } from "@/db/query-builder";
import { provisioningRuns } from "@/db/schema/devices";
import { eq, sql } from "drizzle-orm";

type Executor = Pick<pg.PoolClient, "query">;

/**
 * Inserts jobs through pg-boss on `executor` (a transaction's client, so jobs and the rows that
 * motivate them commit together) and returns how many were inserted: a device that already has a
 * waiting job keeps that one (queue policy `short`).
 */
export async function insertJobs(
  boss: PgBoss,
  executor: Executor,
  jobs: PgBoss.JobInsert<ProvisionJobData>[],
): Promise<number> {
  if (jobs.length === 0) return 0;
  const db = bossDb(executor);
  await boss.insert(jobs, { db });
  return db.lastRowCount;
}

/** A run counts the jobs it owns; when one of them collapses into another run's job, it owns one less. */
export async function adjustRunTotal(executor: Executor, runId: number | null, delta: number): Promise<void> {
  if (runId === null || delta === 0) return;
  await queryBuilder(executor)
    .update(provisioningRuns)
    .set({ total: sql`greatest(0, ${provisioningRuns.total} + ${delta})` })
    .where(eq(provisioningRuns.id, runId));
}

/** Queues `data` again (a new job and so a new attempt id), for work that could not run now. */
export async function queueAgain(
  boss: PgBoss,
  executor: Executor,
  data: ProvisionJobData,
  settings: EngineSettings,
  startAfter?: Date,
): Promise<boolean> {
  const inserted = await insertJobs(boss, executor, [jobInsert(data, settings, startAfter)]);
  if (inserted === 0) await adjustRunTotal(executor, data.runId, -1);
  return inserted > 0;
}
