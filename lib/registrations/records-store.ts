import type pg from "pg";
import type { WireRegistrationState } from "@/lib/dps/service/wire";

// Raw SQL: the batch. A page of DPS records is one unnest upsert, the comparison with the
// platform's devices one set-based insert over a full join, and forgetting a record one statement
// that keeps the run's counts true; the run's lifecycle is drizzle, in run-lease.ts.

/**
 * SQL for registration records and reconciliations, shared by the reconciliation job (no user) and
 * the data-access layer (which checks permissions first).
 */

type Queryable = Pick<pg.Pool, "query">;

function timestamp(value: string | null): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? value : null;
}

/**
 * Stores one page of DPS registration states and where the paging stands, in one transaction (the
 * caller's client), so a run interrupted after any page resumes exactly after it.
 */
export async function storePage(
  client: Queryable,
  run: { id: number; owner: string; enrollmentGroupId: string },
  states: readonly WireRegistrationState[],
  continuationToken: string | null,
): Promise<boolean> {
  // DPS keys registrations without regard to case; a page never repeats one, but the statement must not fail if it did.
  const unique = new Map(
    states.filter((s) => s.registrationId).map((s) => [s.registrationId!.toLowerCase(), s]),
  );
  const list = [...unique.values()];
  if (list.length > 0) {
    await client.query(
      `insert into dps_registration_records as r (registration_key, registration_id, enrollment_group_id, status, substatus, assigned_hub, device_id, etag,
         error_code, error_message, dps_created_at, dps_updated_at, seen_in_run)
       select lower(x.id), x.id, $11, coalesce(x.status, 'unassigned'), x.substatus, x.hub, x.device_id, x.etag, x.error_code, x.error_message,
         x.created::timestamptz, x.updated::timestamptz, $12
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
         as x(id, status, substatus, hub, device_id, etag, error_code, error_message, created, updated)
       on conflict (registration_key collate "C") do update set
         registration_id = excluded.registration_id, enrollment_group_id = excluded.enrollment_group_id, status = excluded.status,
         substatus = excluded.substatus, assigned_hub = excluded.assigned_hub, device_id = excluded.device_id, etag = excluded.etag,
         error_code = excluded.error_code, error_message = excluded.error_message, dps_created_at = excluded.dps_created_at,
         dps_updated_at = excluded.dps_updated_at, seen_in_run = excluded.seen_in_run`,
      [
        list.map((s) => s.registrationId),
        list.map((s) => s.status),
        list.map((s) => s.substatus),
        list.map((s) => s.assignedHub),
        list.map((s) => s.deviceId),
        list.map((s) => s.etag),
        list.map((s) => s.errorCode),
        list.map((s) => (s.errorMessage ? s.errorMessage.slice(0, 500) : null)),
        list.map((s) => timestamp(s.createdDateTimeUtc)),
        list.map((s) => timestamp(s.lastUpdatedDateTimeUtc)),
        run.enrollmentGroupId,
        run.id,
      ],
    );
  }
  const { rowCount } = await client.query(
    `update registration_reconciliations set continuation_token = $3, pages = pages + 1, records_seen = records_seen + $4, heartbeat_at = now()
     where id = $1 and lease_owner = $2 and status = 'running'`,
    [run.id, run.owner, continuationToken, list.length],
  );
  return rowCount === 1;
}

/**
 * The comparison, once every page is stored: records DPS no longer has are dropped, then each
 * registration ID on either side becomes one finding of this run. Platform status `assigning` (an
 * attempt in flight) is not compared; hub and device ID are compared when both sides say assigned.
 */
const FINDINGS = `
  insert into registration_findings (run_id, registration_key, registration_id, kind, hub_differs, status_differs, device_id_differs, hub,
    dps_status, dps_hub, dps_device_id, dps_etag, dps_updated_at, device_pk, platform_status, platform_hub, platform_device_id)
  select $1, coalesce(r.registration_key, lower(d.registration_id)), coalesce(r.registration_id, d.registration_id),
    case when d.id is null then 'orphan' when r.registration_key is null then 'never-registered'
         when c.hub_differs or c.status_differs or c.device_id_differs then 'differs' else 'agrees' end,
    coalesce(c.hub_differs, false), coalesce(c.status_differs, false), coalesce(c.device_id_differs, false),
    coalesce(r.assigned_hub, d.assigned_hub),
    r.status, r.assigned_hub, r.device_id, r.etag, r.dps_updated_at, d.id, d.status::text, d.assigned_hub, d.dps_device_id
  from dps_registration_records r
  full join devices d on lower(d.registration_id) collate "C" = r.registration_key collate "C"
  left join lateral (
    select
      d.status = 'assigned' and r.status = 'assigned' and lower(coalesce(d.assigned_hub, '')) <> lower(coalesce(r.assigned_hub, '')) as hub_differs,
      d.status <> 'assigning' and d.status::text <> r.status as status_differs,
      d.status = 'assigned' and r.status = 'assigned' and coalesce(d.dps_device_id, '') <> coalesce(r.device_id, '') as device_id_differs
    where d.id is not null and r.registration_key is not null
  ) c on true`;

export type RunCounts = {
  records: number;
  orphans: number;
  neverRegistered: number;
  hubDiffers: number;
  statusDiffers: number;
  deviceIdDiffers: number;
  agree: number;
};

/** Finishes a run: the comparison and the counts, in one transaction (the caller's client), so the view switches at once. */
export async function completeRun(
  client: Queryable,
  runId: number,
  owner: string,
): Promise<RunCounts | null> {
  const { rowCount } = await client.query(
    `select 1 from registration_reconciliations where id = $1 and lease_owner = $2 and status = 'running' for update`,
    [runId, owner],
  );
  if (rowCount !== 1) return null;
  await client.query(`delete from dps_registration_records where seen_in_run <> $1`, [runId]);
  await client.query(FINDINGS, [runId]);
  const { rows } = await client.query<RunCounts>(
    `select count(*) filter (where kind <> 'never-registered')::int as records,
       count(*) filter (where kind = 'orphan')::int as orphans,
       count(*) filter (where kind = 'never-registered')::int as "neverRegistered",
       count(*) filter (where hub_differs)::int as "hubDiffers",
       count(*) filter (where status_differs)::int as "statusDiffers",
       count(*) filter (where device_id_differs)::int as "deviceIdDiffers",
       count(*) filter (where kind = 'agrees')::int as agree
     from registration_findings where run_id = $1`,
    [runId],
  );
  const counts = rows[0]!;
  await client.query(
    `update registration_reconciliations set status = 'completed', finished_at = now(), heartbeat_at = now(), continuation_token = null,
       records = $2, orphans = $3, never_registered = $4, hub_differs = $5, status_differs = $6, device_id_differs = $7, agree = $8
     where id = $1`,
    [
      runId,
      counts.records,
      counts.orphans,
      counts.neverRegistered,
      counts.hubDiffers,
      counts.statusDiffers,
      counts.deviceIdDiffers,
      counts.agree,
    ],
  );
  return counts;
}

/**
 * After a record was deleted in DPS (an orphan, or a removed device's): it leaves the records and the
 * current findings, and the counts it was part of, so the view stays true until the next reconciliation.
 */
export async function forgetRegistration(db: Queryable, registrationId: string): Promise<void> {
  const key = registrationId.toLowerCase();
  await db.query(`delete from dps_registration_records where registration_key collate "C" = $1 collate "C"`, [
    key,
  ]);
  await db.query(
    `with latest as (
       select id from registration_reconciliations where status = 'completed' order by finished_at desc limit 1
     ), gone as (
       delete from registration_findings f using latest where f.run_id = latest.id and f.registration_key collate "C" = $1 collate "C"
       returning f.run_id, f.kind, f.hub_differs, f.status_differs, f.device_id_differs
     )
     update registration_reconciliations r set
       records = r.records - (select count(*) from gone where kind <> 'never-registered'),
       orphans = r.orphans - (select count(*) from gone where kind = 'orphan'),
       never_registered = r.never_registered - (select count(*) from gone where kind = 'never-registered'),
       hub_differs = r.hub_differs - (select count(*) from gone where hub_differs),
       status_differs = r.status_differs - (select count(*) from gone where status_differs),
       device_id_differs = r.device_id_differs - (select count(*) from gone where device_id_differs),
       agree = r.agree - (select count(*) from gone where kind = 'agrees')
     from gone where r.id = gone.run_id`,
    [key],
  );
}
