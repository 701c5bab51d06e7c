// Raw SQL: fetch-and-claim (for update skip locked under a lease) on the engine's pool, and the
// history rows beside it.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { HubRegistryClient } from "@/lib/iot-hub/service";
import { recordAudit } from "@/lib/audit/record";
import { logger } from "@/lib/logger";
import { deleteIdentity, hubWriteAccess, type LoadHubAccess } from "./hub-identity-steps";

/**
 * After a re-provision lands a device on another hub, with the tile's "clean the old hub" on: its
 * identity in the old hub is deleted (a 404 counts as done), or, when the app may not (no
 * credentials, no write right) or the hub keeps failing, left, and the device's history says which
 * and why. The database queues each move (trigger devices_hub_move_cleanup); workers claim a few
 * at a time under a lease. A device that moved back to the old hub meanwhile keeps its identity.
 */

export type MoveCleanupDeps = {
  pool: Pick<pg.Pool, "query">;
  hubClient: HubRegistryClient;
  loadHub: LoadHubAccess;
  signal?: AbortSignal;
};

const BATCH = 8;
const LEASE_SECONDS = 60;
/** Tries against a hub that is throttling or unreachable before the identity is left (and said so). */
export const MOVE_CLEANUP_MAX_TRIES = 6;
const RETRY_BASE_MS = 5_000;

type Claimed = {
  id: string;
  device_id: string;
  old_hub: string;
  hub_device_id: string;
  new_hub: string;
  tries: number;
  assigned_hub: string | null;
  registration_id: string | null;
};

export async function cleanMovedHubs(deps: MoveCleanupDeps): Promise<{ more: boolean }> {
  const { rows } = await deps.pool.query<Claimed>(
    `with due as (
       select id from hub_move_cleanups
       where next_try_at <= now() and (lease_until is null or lease_until < now())
       order by next_try_at limit ${BATCH} for update skip locked
     ), claimed as (
       update hub_move_cleanups c set lease_until = now() + make_interval(secs => ${LEASE_SECONDS}), tries = c.tries + 1
       from due where c.id = due.id
       returning c.*
     )
     select claimed.id, claimed.device_id, claimed.old_hub, claimed.hub_device_id, claimed.new_hub, claimed.tries,
            d.assigned_hub, d.registration_id
     from claimed left join devices d on d.id = claimed.device_id`,
  );
  for (const row of rows) {
    if (deps.signal?.aborted) break;
    await cleanOne(deps, row);
  }
  return { more: rows.length === BATCH };
}

async function cleanOne(deps: MoveCleanupDeps, row: Claimed): Promise<void> {
  const started = new Date();
  const done = () => deps.pool.query(`delete from hub_move_cleanups where id = $1`, [row.id]);
  if (row.registration_id === null) return void (await done());
  if (row.assigned_hub?.toLowerCase() === row.old_hub.toLowerCase()) {
    await record(deps, row, started, "old identity kept", `the device is assigned to ${row.old_hub} again`);
    return void (await done());
  }
  const access = await hubWriteAccess(deps.loadHub, row.old_hub);
  if (!access.ok) {
    await record(
      deps,
      row,
      started,
      "old identity left",
      `Its identity stays in ${row.old_hub}: ${access.reason}.`,
    );
    return void (await done());
  }
  const result = await deleteIdentity(
    deps.hubClient,
    access.access,
    row.old_hub,
    row.hub_device_id,
    deps.signal,
  );
  if (deps.signal?.aborted) {
    // A stopping worker: hand the cleanup back untried.
    await deps.pool.query(
      `update hub_move_cleanups set lease_until = null, tries = tries - 1 where id = $1`,
      [row.id],
    );
    return;
  }
  if (result.ok) {
    await record(
      deps,
      row,
      started,
      result.outcome === "done" ? "old identity deleted" : "old identity already gone",
      null,
    );
    return void (await done());
  }
  if (result.transient && row.tries < MOVE_CLEANUP_MAX_TRIES) {
    const delayMs = RETRY_BASE_MS * 2 ** (row.tries - 1);
    await deps.pool.query(
      `update hub_move_cleanups set lease_until = null, next_try_at = now() + make_interval(secs => $2::double precision) where id = $1`,
      [row.id, delayMs / 1000],
    );
    return;
  }
  await record(
    deps,
    row,
    started,
    "old identity left",
    `Its identity stays in ${row.old_hub}: ${result.reason}.`,
  );
  await done();
}

/** One line in the device's history (and the audit log): the old hub, and what became of the identity there. */
async function record(
  deps: MoveCleanupDeps,
  row: Claimed,
  started: Date,
  outcome: "old identity deleted" | "old identity already gone" | "old identity left" | "old identity kept",
  reason: string | null,
): Promise<void> {
  await deps.pool.query(
    `insert into provisioning_history (device_id, attempt_id, started_at, trigger, outcome, hub, previous_hub, error_kind, error_message, duration_ms)
     values ($1, $2, $3, 'old-hub-cleanup', $4, $5, null, $6, $7, $8)`,
    [
      row.device_id,
      randomUUID(),
      started,
      outcome,
      row.old_hub,
      outcome === "old identity left" ? "old-hub-cleanup:left" : null,
      reason?.slice(0, 500) ?? null,
      Date.now() - started.getTime(),
    ],
  );
  await recordAudit({
    actor: null,
    action: "device.clean-old-hub",
    target: row.registration_id,
    outcome: outcome === "old identity left" ? "failure" : "success",
    detail: { oldHub: row.old_hub, newHub: row.new_hub, hubDeviceId: row.hub_device_id, outcome, reason },
  });
  logger.info(
    { deviceId: Number(row.device_id), oldHub: row.old_hub, outcome },
    "old-hub cleanup after a move",
  );
}
