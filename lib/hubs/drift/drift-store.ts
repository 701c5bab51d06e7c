// Raw SQL: the batch (a page of hub identities stored in one unnest insert) and the plan (each drift case found by one set-based statement over devices, DPS records and identities).
import type pg from "pg";
import type { HubDriftRunStatus } from "@/db/schema/hub-drift";

/**
 * SQL for hub drift runs, shared by the drift job (no user) and the data-access layer (which checks
 * permissions first). A page of identities is one statement; the comparison with the platform's
 * devices and DPS's registration records is a few set-based statements at the end, so a worker never
 * holds more than one page of a hub's identities.
 */

type Queryable = Pick<pg.Pool, "query">;

/** What a page of the hub's devices query gives the drift: a subset of the registry client's identity. */
export type DriftIdentity = {
  deviceId: string;
  etag: string;
  status: "enabled" | "disabled";
  statusReason: string | null;
  authenticationType: string;
  lastActivityTime: string | null;
};

export type DriftRun = { id: number; status: HubDriftRunStatus; resumes: number };

export type DriftRunHub = {
  hubHost: string;
  status: "pending" | "read" | "not-read";
  continuationToken: string | null;
  pages: number;
  waits: number;
};

/** How long a run's heartbeat may be silent before another job may take it over (a slice writes one per page). */
export const DRIFT_LEASE_SECONDS = 90;

/** Creates a queued run over `hubs`, or returns the one already queued or running (one at a time, by a unique index). */
export async function insertDriftRun(
  db: Queryable,
  hubs: readonly string[],
  actor: { id: string; email: string } | null,
): Promise<{ id: number; created: boolean }> {
  const { rows } = await db.query<{ id: number }>(
    `with run as (
       insert into hub_drift_runs (requested_by_id, requested_by_email) values ($1, $2) on conflict do nothing returning id
     ), hubs as (
       insert into hub_drift_run_hubs (run_id, hub_host) select run.id, h from run, unnest($3::text[]) as h
     )
     select id::int as id from run`,
    [actor?.id || null, actor?.email || null, [...new Set(hubs.map((hub) => hub.toLowerCase()))]],
  );
  if (rows[0]) return { id: rows[0].id, created: true };
  const { rows: active } = await db.query<{ id: number }>(
    `select id::int as id from hub_drift_runs where status in ('queued', 'running')`,
  );
  if (!active[0]) throw new Error("no drift run was created and none is active");
  return { id: active[0].id, created: false };
}

/** Runs queued or running whose heartbeat (or creation) is three leases old: their job is gone. */
export async function findStalledDriftRuns(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `select id::int as id from hub_drift_runs
     where status in ('queued', 'running') and coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $1)`,
    [DRIFT_LEASE_SECONDS * 3],
  );
  return rows.map((row) => row.id);
}

/** Takes the run for `owner` (a job id) when it is queued, already this owner's, or its heartbeat went silent. */
export async function claimDriftRun(db: Queryable, runId: number, owner: string): Promise<DriftRun | null> {
  const { rows } = await db.query<DriftRun>(
    `update hub_drift_runs set
       status = 'running', lease_owner = $2, heartbeat_at = now(), started_at = coalesce(started_at, now()),
       resumes = resumes + case when status = 'running' and lease_owner is distinct from $2 then 1 else 0 end
     where id = $1 and (status = 'queued' or (status = 'running' and (lease_owner = $2 or heartbeat_at < now() - make_interval(secs => $3))))
     returning id::int as id, status, resumes`,
    [runId, owner, DRIFT_LEASE_SECONDS],
  );
  return rows[0] ?? null;
}

export async function runHubs(db: Queryable, runId: number): Promise<DriftRunHub[]> {
  const { rows } = await db.query<DriftRunHub>(
    `select hub_host as "hubHost", status, continuation_token as "continuationToken", pages, waits
     from hub_drift_run_hubs where run_id = $1 order by hub_host`,
    [runId],
  );
  return rows;
}

function timestamp(value: string | null): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? value : null;
}

/**
 * Stores one page of a hub's identities and where its paging stands, in one transaction (the
 * caller's client), so a run interrupted after any page resumes exactly after it. False when the
 * run is no longer this owner's.
 */
export async function storeIdentityPage(
  client: Queryable,
  run: { id: number; owner: string },
  hubHost: string,
  identities: readonly DriftIdentity[],
  continuationToken: string | null,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `update hub_drift_runs set identities_seen = identities_seen + $3, heartbeat_at = now()
     where id = $1 and lease_owner = $2 and status = 'running'`,
    [run.id, run.owner, identities.length],
  );
  if (rowCount !== 1) return false;
  const unique = new Map(identities.filter((i) => i.deviceId).map((i) => [i.deviceId.toLowerCase(), i]));
  const list = [...unique.values()];
  if (list.length > 0) {
    await client.query(
      `insert into hub_drift_identities (run_id, hub_host, device_key, device_id, status, status_reason, etag, authentication_type, last_activity_at)
       select $1, $2, lower(x.id), x.id, x.status, x.reason, x.etag, x.auth, x.activity::timestamptz
       from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) as x(id, status, reason, etag, auth, activity)
       on conflict (run_id, hub_host, device_key collate "C") do update set
         device_id = excluded.device_id, status = excluded.status, status_reason = excluded.status_reason, etag = excluded.etag,
         authentication_type = excluded.authentication_type, last_activity_at = excluded.last_activity_at`,
      [
        run.id,
        hubHost,
        list.map((i) => i.deviceId),
        list.map((i) => (i.status === "disabled" ? "disabled" : "enabled")),
        list.map((i) => i.statusReason?.slice(0, 200) ?? null),
        list.map((i) => i.etag?.slice(0, 200) ?? null),
        list.map((i) => i.authenticationType?.slice(0, 50) ?? null),
        // The hub reports "0001-01-01T00:00:00Z" for a device that never connected.
        list.map((i) => {
          const at = timestamp(i.lastActivityTime);
          return at && Date.parse(at) > 0 ? at : null;
        }),
      ],
    );
  }
  await client.query(
    `update hub_drift_run_hubs set continuation_token = $3, pages = pages + 1, identities = identities + $4,
       status = case when $3::text is null then 'read' else status end
     where run_id = $1 and hub_host = $2`,
    [run.id, hubHost, continuationToken, list.length],
  );
  return true;
}

/** A hub this run could not read (credentials gone, rights missing, a hub that kept throttling): reported, not hidden. */
export async function markHubNotRead(
  db: Queryable,
  runId: number,
  hubHost: string,
  problem: string,
): Promise<void> {
  await db.query(
    `update hub_drift_run_hubs set status = 'not-read', problem = $3 where run_id = $1 and hub_host = $2`,
    [runId, hubHost, problem.slice(0, 500)],
  );
}

/** The hub throttled or did not answer: counted, with why, so the view says what the run waits for. */
export async function noteHubWait(
  db: Queryable,
  runId: number,
  hubHost: string,
  problem: string,
): Promise<number> {
  const { rows } = await db.query<{ waits: number }>(
    `update hub_drift_run_hubs set waits = waits + 1, problem = $3 where run_id = $1 and hub_host = $2 returning waits`,
    [runId, hubHost, problem.slice(0, 500)],
  );
  return rows[0]?.waits ?? 0;
}

export async function releaseDriftRun(
  db: Queryable,
  runId: number,
  owner: string,
  note: { kind: string; message: string } | null,
): Promise<void> {
  await db.query(
    `update hub_drift_runs set lease_owner = null, status = 'queued', failure_kind = $3, failure_message = $4
     where id = $1 and lease_owner = $2 and status = 'running'`,
    [runId, owner, note?.kind ?? null, note?.message.slice(0, 500) ?? null],
  );
}

export async function failDriftRun(
  db: Queryable,
  runId: number,
  failure: { kind: string; message: string },
): Promise<void> {
  await db.query(
    `update hub_drift_runs set status = 'failed', finished_at = now(), lease_owner = null, failure_kind = $2, failure_message = $3
     where id = $1 and status in ('queued', 'running')`,
    [runId, failure.kind.slice(0, 100), failure.message.slice(0, 500)],
  );
}

/**
 * Every registration either side knows, once: the platform's devices and DPS's records (as the last
 * reconciliation stored them), joined on the registration ID. `device_key` is the device ID the hub
 * should know it by (DPS's device ID, else the registration ID), lower-cased; a side's hub counts only
 * while that side says assigned.
 */
const REGISTRATIONS = `
  select coalesce(d.registration_id, r.registration_id) as registration_id,
    lower(coalesce(r.registration_key, d.registration_id)) as registration_key,
    coalesce(d.dps_device_id, r.device_id) as device_id,
    lower(coalesce(d.dps_device_id, r.device_id, d.registration_id, r.registration_id)) as device_key,
    d.id as device_pk,
    case when d.status = 'assigned' then lower(d.assigned_hub) end as platform_hub,
    case when r.status = 'assigned' then lower(r.assigned_hub) end as dps_hub
  from devices d
  full join dps_registration_records r on lower(d.registration_id) collate "C" = r.registration_key collate "C"`;

/**
 * The five cases, over the hubs this run read (a hub not read finds nothing, rather than everything
 * missing):
 * - missing: a side says assigned to this hub, and the hub has no identity of the device's ID;
 * - disabled: the hub's identity is disabled;
 * - orphan: an identity neither side knows, by device ID or registration ID;
 * - device-id-differs: assigned to this hub under a device ID other than its registration ID;
 * - stale: an identity of a known device that neither side places in this hub any more.
 */
const FINDINGS = `
  with reg as materialized (${REGISTRATIONS}),
  hubs as (select hub_host from hub_drift_run_hubs where run_id = $1 and status = 'read'),
  expected as (
    select h.hub_host, reg.* from reg join hubs h on h.hub_host in (reg.platform_hub, reg.dps_hub)
  ),
  ids as (select * from hub_drift_identities where run_id = $1),
  -- Each identity's device, by device ID first, else by registration ID: two equi-joins (hashable), not one OR.
  known as (
    select distinct on (m.hub_host, m.device_key) m.*
    from (
      select i.hub_host, i.device_key, reg.registration_id, reg.device_pk, reg.platform_hub, reg.dps_hub, 0 as pref
      from ids i join reg on reg.device_key collate "C" = i.device_key collate "C"
      union all
      select i.hub_host, i.device_key, reg.registration_id, reg.device_pk, reg.platform_hub, reg.dps_hub, 1
      from ids i join reg on reg.registration_key collate "C" = i.device_key collate "C"
    ) m
    order by m.hub_host, m.device_key, m.pref, m.device_pk nulls last
  ),
  found as (
    select 'missing' as kind, e.hub_host, coalesce(e.device_id, e.registration_id) as device_id, e.registration_id, e.device_pk,
      e.platform_hub, e.dps_hub, null::text as status, null::text as reason, null::text as etag, null::timestamptz as activity
    from expected e
    where not exists (select 1 from ids i where i.hub_host = e.hub_host and i.device_key collate "C" = e.device_key collate "C")
    union all
    select 'device-id-differs', e.hub_host, e.device_id, e.registration_id, e.device_pk, e.platform_hub, e.dps_hub,
      i.status, i.status_reason, i.etag, i.last_activity_at
    from expected e
    left join ids i on i.hub_host = e.hub_host and i.device_key collate "C" = e.device_key collate "C"
    where e.device_id is not null and e.device_id <> e.registration_id
    union all
    select case when k.hub_host is null then 'orphan' when i.hub_host in (k.platform_hub, k.dps_hub) then 'disabled'
             else 'stale' end,
      i.hub_host, i.device_id, k.registration_id, k.device_pk, k.platform_hub, k.dps_hub,
      i.status, i.status_reason, i.etag, i.last_activity_at
    from ids i
    left join known k on k.hub_host = i.hub_host and k.device_key collate "C" = i.device_key collate "C"
    where k.hub_host is null
       or (i.hub_host is distinct from k.platform_hub and i.hub_host is distinct from k.dps_hub
           and (k.platform_hub is not null or k.dps_hub is not null))
       or (i.status = 'disabled' and i.hub_host in (k.platform_hub, k.dps_hub))
    union all
    -- An orphan or a stale identity that is also disabled is listed under "disabled" too.
    select 'disabled', i.hub_host, i.device_id, k.registration_id, k.device_pk, k.platform_hub, k.dps_hub,
      i.status, i.status_reason, i.etag, i.last_activity_at
    from ids i
    left join known k on k.hub_host = i.hub_host and k.device_key collate "C" = i.device_key collate "C"
    where i.status = 'disabled' and (k.hub_host is null or (i.hub_host is distinct from k.platform_hub and i.hub_host is distinct from k.dps_hub
           and (k.platform_hub is not null or k.dps_hub is not null)))
  )
  insert into hub_drift_findings (run_id, sort_key, kind, hub_host, device_id, registration_id, device_pk, platform_hub, dps_hub,
    identity_status, status_reason, identity_etag, last_activity_at)
  select $1, f.hub_host || '/' || lower(f.device_id) || '#' || f.kind, f.kind, f.hub_host, f.device_id, f.registration_id, f.device_pk,
    f.platform_hub, f.dps_hub, f.status, f.reason, f.etag, f.activity
  from found f
  on conflict do nothing`;

export type DriftCounts = {
  identities: number;
  missing: number;
  disabled: number;
  orphans: number;
  deviceIdDiffers: number;
  stale: number;
};

/** Finishes a run: the comparison and the counts in one transaction (the caller's client), so the view switches at once. */
export async function completeDriftRun(
  client: Queryable,
  runId: number,
  owner: string,
): Promise<DriftCounts | null> {
  const { rowCount } = await client.query(
    `select 1 from hub_drift_runs where id = $1 and lease_owner = $2 and status = 'running' for update`,
    [runId, owner],
  );
  if (rowCount !== 1) return null;
  await client.query(FINDINGS, [runId]);
  const { rows } = await client.query<DriftCounts>(
    `select (select count(*) from hub_drift_identities where run_id = $1)::int as identities,
       count(*) filter (where kind = 'missing')::int as missing,
       count(*) filter (where kind = 'disabled')::int as disabled,
       count(*) filter (where kind = 'orphan')::int as orphans,
       count(*) filter (where kind = 'device-id-differs')::int as "deviceIdDiffers",
       count(*) filter (where kind = 'stale')::int as stale
     from hub_drift_findings where run_id = $1`,
    [runId],
  );
  const counts = rows[0]!;
  await client.query(
    `update hub_drift_runs set status = 'completed', finished_at = now(), heartbeat_at = now(), lease_owner = null,
       failure_kind = null, failure_message = null, missing = $2, disabled = $3, orphans = $4, device_id_differs = $5, stale = $6
     where id = $1`,
    [runId, counts.missing, counts.disabled, counts.orphans, counts.deviceIdDiffers, counts.stale],
  );
  return counts;
}

/**
 * After the switch, older runs' findings and every run's identity copy but the latest's are dropped
 * (the latest's stays: deleting an orphan checks against it).
 */
export async function dropOlderDriftData(db: Queryable, runId: number): Promise<void> {
  await db.query(`delete from hub_drift_findings where run_id < $1`, [runId]);
  await db.query(`delete from hub_drift_identities where run_id < $1`, [runId]);
}

/** After an orphan identity was deleted in its hub: it leaves the latest findings and counts, so the view stays true. */
export async function forgetIdentity(
  db: Queryable,
  runId: number,
  hubHost: string,
  deviceId: string,
): Promise<void> {
  const key = deviceId.toLowerCase();
  await db.query(
    `delete from hub_drift_identities where run_id = $1 and hub_host = $2 and device_key collate "C" = $3 collate "C"`,
    [runId, hubHost, key],
  );
  await db.query(
    `with gone as (
       delete from hub_drift_findings where run_id = $1 and hub_host = $2 and lower(device_id) = $3 and kind in ('orphan', 'disabled', 'stale')
       returning kind
     )
     update hub_drift_runs set
       orphans = orphans - (select count(*) from gone where kind = 'orphan'),
       disabled = disabled - (select count(*) from gone where kind = 'disabled'),
       stale = stale - (select count(*) from gone where kind = 'stale')
     where id = $1`,
    [runId, hubHost, key],
  );
}
