// Raw SQL: none of ours. pg-boss inserts its jobs with its own SQL through the transaction's client.
import { getEngine } from "../engine";
import { RECONCILE_QUEUE, REMOVAL_QUEUE } from "./boss";
import { withTransaction } from "@/db/transaction";
import { notifyWorkers } from "./job-notifier";
import type { RemovalChoice } from "@/db/schema/hub-lifecycle";

/** A reconciliation slice pages at most a minute; a job not finished well after that belonged to a worker that died. */
export const RECONCILE_JOB_EXPIRY_SECONDS = 300;
export const REMOVAL_JOB_EXPIRY_SECONDS = 120;

/** A slice of a registration reconciliation, or (`kind: "hub-drift"`) of a hub drift run: one queue, one slice at a time. */
export type ReconcileJobData = { runId: number; kind?: "registrations" | "hub-drift" };

/** What a bulk removal queues per device: everything the worker needs, since the device may change meanwhile. */
export type RemovalJobData = {
  deviceId: number;
  /** How to remove it (db/schema/hub-lifecycle.ts); absent in jobs queued before the choice existed. */
  choice?: RemovalChoice;
  /** Leave what the app may not touch (a DPS record or hub identity) and remove the device anyway. */
  leaveUncleanable?: boolean;
  /** Jobs queued before `choice`: delete its DPS registration record too (the hub identity was left then). */
  deleteDpsRecord: boolean;
  actorId: string | null;
  actorEmail: string | null;
};

export async function enqueueReconciliation(runId: number, startAfterMs = 0): Promise<void> {
  const engine = getEngine();
  const boss = await engine.boss();
  await boss.send(RECONCILE_QUEUE, { runId } satisfies ReconcileJobData, {
    expireInSeconds: RECONCILE_JOB_EXPIRY_SECONDS,
    ...(startAfterMs > 0 ? { startAfter: Math.ceil(startAfterMs / 1000) } : {}),
  });
}

export async function enqueueHubDrift(runId: number, startAfterMs = 0): Promise<void> {
  const engine = getEngine();
  const boss = await engine.boss();
  await boss.send(RECONCILE_QUEUE, { runId, kind: "hub-drift" } satisfies ReconcileJobData, {
    expireInSeconds: RECONCILE_JOB_EXPIRY_SECONDS,
    ...(startAfterMs > 0 ? { startAfter: Math.ceil(startAfterMs / 1000) } : {}),
  });
}

/** One job per device, inserted in one transaction; workers pick them up within a poll. */
export async function enqueueRemovals(jobs: RemovalJobData[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const engine = getEngine();
  const boss = await engine.boss();
  await withTransaction(engine.pool, async (client) => {
    await boss.insert(
      jobs.map((data) => ({ name: REMOVAL_QUEUE, data, expireInSeconds: REMOVAL_JOB_EXPIRY_SECONDS })),
      { db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) } },
    );
    await notifyWorkers(client);
  });
  return jobs.length;
}
