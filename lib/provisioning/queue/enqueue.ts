// Raw SQL: adopting waiting jobs is one statement over pg-boss's own job table (not in the drizzle
// schema); the rest goes through drizzle.
import { getDb } from "@/lib/database";
import { provisioningRuns } from "@/db/schema";
import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { devices } from "@/db/schema/devices";
import type { DeviceStatus } from "@/db/schema/device-statuses";
import { getEngine } from "../engine";
import { notifyWorkers } from "./job-notifier";
import { withTransaction } from "@/db/transaction";
import { adjustRunTotal, insertJobs } from "./jobs";
import { BOSS_SCHEMA, jobInsert, PROVISION_QUEUE, singletonKeyFor } from "./boss";
import type { Actor } from "@/db/schema/actor";
import type { ProvisionJobData, Trigger } from "../types";

export type ProvisioningSelection = { deviceIds: number[] } | { all: true } | { unassigned: true };

/** Rows per page and per pg-boss insert: big enough for few round trips, small enough for modest memory. */
const PAGE_SIZE = 5_000;
/** The first page is small, so workers get going while the rest is still being queued. */
const FIRST_PAGE_SIZE = 100;

/** Devices without a hub to show for: never provisioned, or refused last time (a fixed key or group now may help). */
const UNASSIGNED_STATUSES: DeviceStatus[] = ["pending", "failed", "disabled"];

async function* pagesOf(selection: ProvisioningSelection): AsyncGenerator<number[]> {
  const db = getDb();
  if ("deviceIds" in selection) {
    const ids = [...new Set(selection.deviceIds.filter((id) => Number.isSafeInteger(id) && id > 0))].sort(
      (a, b) => a - b,
    );
    for (let i = 0, size = FIRST_PAGE_SIZE; i < ids.length; i += size, size = PAGE_SIZE) {
      const rows = await db
        .select({ id: devices.id })
        .from(devices)
        .where(inArray(devices.id, ids.slice(i, i + size)))
        .orderBy(devices.id);
      if (rows.length > 0) yield rows.map((row) => row.id);
    }
    return;
  }
  const onlyUnassigned = "unassigned" in selection;
  let after = 0;
  for (let pageSize = FIRST_PAGE_SIZE; ; pageSize = PAGE_SIZE) {
    // Keyset paging on the primary key: constant memory and cost per page at any fleet size.
    const rows = await db
      .select({ id: devices.id })
      .from(devices)
      .where(
        and(gt(devices.id, after), onlyUnassigned ? inArray(devices.status, UNASSIGNED_STATUSES) : undefined),
      )
      .orderBy(devices.id)
      .limit(pageSize);
    if (rows.length === 0) return;
    const ids = rows.map((row) => row.id);
    yield ids;
    after = ids[ids.length - 1]!;
    if (rows.length < pageSize) return;
  }
}

/**
 * A device that already has a waiting job keeps it, but the job now belongs to this run and starts
 * now (queue policy `short` would otherwise drop the new job): every selected device counts once
 * in the run that asked last, and the earlier run stops waiting for it. pg-boss documents its
 * tables for direct SQL; this reads and updates the waiting jobs of our queue only.
 */
const ADOPT_WAITING_JOBS = `
  with waiting as (
    select j.id, j.data from ${BOSS_SCHEMA}.job j
    where j.name = $1 and j.state = 'created' and j.policy = 'short' and coalesce(j.singleton_key, '') = any($2::text[])
    for update
  ), adopted as (
    update ${BOSS_SCHEMA}.job j set
      data = jsonb_build_object('deviceId', (waiting.data->>'deviceId')::bigint, 'runId', $3::bigint, 'trigger', $4::text,
        'actorId', $5::text, 'actorEmail', $6::text, 'attempt', 1),
      start_after = least(j.start_after, now())
    from waiting where j.name = $1 and j.id = waiting.id
    returning (waiting.data->>'deviceId')::bigint as device_id, (waiting.data->>'runId')::bigint as previous_run_id
  )
  select device_id, previous_run_id from adopted`;

/**
 * Queues one attempt per selected device as a bulk run (a provisioning_runs row whose progress,
 * rate and ETA getEngineStatus reports). Pages through device ids and inserts jobs in batches, so
 * 100,000+ devices take seconds and constant memory.
 */
export async function enqueueProvisioning(
  selection: ProvisioningSelection,
  options: { trigger: Trigger; actor: Actor },
): Promise<{ runId: number; queued: number }> {
  const engine = getEngine();
  const boss = await engine.boss();
  const db = getDb();
  // The run starts with one placeholder in `total`, so it cannot look finished while pages are still being queued.
  const [run] = await db
    .insert(provisioningRuns)
    .values({ trigger: options.trigger, total: 1, createdByEmail: options.actor?.email ?? null })
    .returning({ id: provisioningRuns.id });
  const runId = run!.id;
  let queued = 0;
  try {
    for await (const ids of pagesOf(selection)) {
      queued += await withTransaction(engine.pool, async (client) => {
        const { rows: adopted } = await client.query<{ device_id: string; previous_run_id: string | null }>(
          ADOPT_WAITING_JOBS,
          [
            PROVISION_QUEUE,
            ids.map(singletonKeyFor),
            runId,
            options.trigger,
            options.actor?.id ?? null,
            options.actor?.email ?? null,
          ],
        );
        const byPreviousRun = new Map<number, number>();
        for (const row of adopted) {
          if (row.previous_run_id === null) continue;
          const previous = Number(row.previous_run_id);
          byPreviousRun.set(previous, (byPreviousRun.get(previous) ?? 0) + 1);
        }
        for (const [previous, count] of byPreviousRun) await adjustRunTotal(client, previous, -count);
        const adoptedIds = new Set(adopted.map((row) => Number(row.device_id)));
        const fresh = ids.filter((id) => !adoptedIds.has(id));
        const data = (deviceId: number): ProvisionJobData => ({
          deviceId,
          runId,
          trigger: options.trigger,
          actorId: options.actor?.id ?? null,
          actorEmail: options.actor?.email ?? null,
          attempt: 1,
        });
        const inserted = await insertJobs(
          boss,
          client,
          fresh.map((id) => jobInsert(data(id), engine.settings)),
        );
        const added = adopted.length + inserted;
        await adjustRunTotal(client, runId, added);
        await notifyWorkers(client);
        return added;
      });
    }
  } finally {
    await db
      .update(provisioningRuns)
      .set({
        total: sql`greatest(0, ${provisioningRuns.total} - 1)`,
        finishedAt: queued === 0 ? sql`now()` : null,
      })
      .where(eq(provisioningRuns.id, runId));
  }
  return { runId, queued };
}

/** What saving a DPS connection calls: every device without a hub gets provisioned, as one run. */
export function requestProvisioningOfUnassigned(actor: Actor): Promise<{ runId: number; queued: number }> {
  return enqueueProvisioning({ unassigned: true }, { trigger: "connect", actor });
}

/** One job outside any run (inline work that could not run now). */
export async function enqueueDevice(
  deviceId: number,
  options: { trigger: Trigger; actor: Actor },
): Promise<void> {
  const engine = getEngine();
  const boss = await engine.boss();
  await insertJobs(boss, engine.pool, [
    jobInsert(
      {
        deviceId,
        runId: null,
        trigger: options.trigger,
        actorId: options.actor?.id ?? null,
        actorEmail: options.actor?.email ?? null,
        attempt: 1,
      },
      engine.settings,
    ),
  ]);
  await notifyWorkers(engine.pool);
}
