// Raw SQL: the plan, the lock and the batch of the hub check: claiming due checks (skip locked),
// writing many results and their history in one unnest statement, booking per-hub slots.
// Over 300 lines on purpose: the claim, the record and the per-hub circuits and slots are one
// queue's hot path, read together because the due-state logic and the index plans span all of it.
import type pg from "pg";
import type { HubCheckVerdict } from "./hub-check-outcome";

/**
 * The hub check's queue lives in the device rows: the trigger that sees an assignment land sets
 * `hub_check_due_at` in the statement that records it, workers claim due checks in batches (a
 * lease, SKIP LOCKED), and a result is written only while the device still carries the check it
 * claimed, so a re-provisioning meanwhile (a new due time) is never overwritten by an old result.
 */
type Queryable = Pick<pg.Pool, "query">;

export type DueCheck = {
  deviceId: number;
  registrationId: string;
  /** The device ID DPS created in the hub (normally the registration ID). */
  hubDeviceId: string;
  hub: string;
  /** The claimed due time exactly as stored (text keeps its microseconds). */
  dueAt: string | null;
  tries: number;
  assignedAt: Date | null;
};

type DueRow = {
  id: number;
  registration_id: string;
  dps_device_id: string | null;
  assigned_hub: string;
  due_at: string | null;
  hub_check_tries: number;
  dps_updated_at: Date | null;
};

const toDue = (row: DueRow): DueCheck => ({
  deviceId: row.id,
  registrationId: row.registration_id,
  hubDeviceId: row.dps_device_id ?? row.registration_id,
  hub: row.assigned_hub,
  dueAt: row.due_at,
  tries: row.hub_check_tries,
  assignedAt: row.dps_updated_at,
});

const RETURNING = `returning d.id::int as id, d.registration_id, d.dps_device_id, d.assigned_hub,
  d.hub_check_due_at::text as due_at, d.hub_check_tries, d.dps_updated_at`;

/** Due checks of hubs whose circuit is closed, oldest first ($3: failures that open a circuit). */
const CLAIM_DUE = `
  with due as (
    select d.id from devices d
    where d.hub_check_due_at is not null and d.hub_check_due_at <= now()
      and (d.hub_check_lease_until is null or d.hub_check_lease_until < now())
      and d.status = 'assigned' and d.assigned_hub is not null
      and not exists (select 1 from hub_circuits c where c.hub = d.assigned_hub and c.consecutive_failures >= $3)
    order by d.hub_check_due_at
    limit $1
    for update of d skip locked
  )
  update devices d set hub_check_lease_until = now() + make_interval(secs => $2)
  from due where d.id = due.id
  ${RETURNING}`;

export async function claimDueChecks(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
  circuitFailures: number,
): Promise<DueCheck[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<DueRow>({
    name: "hic_hub_claim_due",
    text: CLAIM_DUE,
    values: [limit, leaseSeconds, circuitFailures],
  });
  return rows.map(toDue);
}

/**
 * Hubs whose circuit is open and whose wait is over: each one returned is this process's to probe
 * (its wait is pushed on by `probeLeaseMs` in the same statement, so no other worker probes it too).
 */
export async function claimHubProbes(
  db: Queryable,
  circuitFailures: number,
  probeLeaseMs: number,
): Promise<string[]> {
  const { rows } = await db.query<{ hub: string }>({
    name: "hic_hub_claim_probes",
    text: `update hub_circuits set open_until = now() + $2 * interval '1 millisecond'
      where consecutive_failures >= $1 and (open_until is null or open_until <= now())
      returning hub`,
    values: [circuitFailures, probeLeaseMs],
  });
  return rows.map((row) => row.hub);
}

/** One due check of `hub`, for its probe (the circuit is open, so the ordinary claim skips it). */
export async function claimProbeCheck(
  db: Queryable,
  hub: string,
  leaseSeconds: number,
): Promise<DueCheck | null> {
  const { rows } = await db.query<DueRow>({
    name: "hic_hub_claim_probe_check",
    text: `with due as (
        select d.id from devices d
        where d.hub_check_due_at is not null and d.assigned_hub = $1 and d.status = 'assigned'
          and (d.hub_check_lease_until is null or d.hub_check_lease_until < now())
        order by d.hub_check_due_at limit 1 for update of d skip locked
      )
      update devices d set hub_check_lease_until = now() + make_interval(secs => $2)
      from due where d.id = due.id
      ${RETURNING}`,
    values: [hub, leaseSeconds],
  });
  return rows[0] ? toDue(rows[0]) : null;
}

/** The device a person asked to check now, whatever its due state. */
export async function readCheckTarget(
  db: Queryable,
  deviceId: number,
): Promise<(DueCheck & { status: string }) | null> {
  const { rows } = await db.query<DueRow & { status: string }>(
    `select d.id::int as id, d.registration_id, d.dps_device_id, d.assigned_hub, d.hub_check_due_at::text as due_at,
       d.hub_check_tries, d.dps_updated_at, d.status::text as status
     from devices d where d.id = $1`,
    [deviceId],
  );
  const row = rows[0];
  if (!row) return null;
  return { ...toDue({ ...row, assigned_hub: row.assigned_hub ?? "" }), status: row.status };
}

export type HubCheckRecord = {
  check: DueCheck;
  verdict: HubCheckVerdict;
  /** Whether this check gets a row in the device's history (automatic waits only the first time). */
  history: boolean;
  /** A person's check: written whatever the due state. */
  manual: boolean;
  startedAt: Date;
  durationMs: number;
  actorId: string | null;
  actorEmail: string | null;
};

const RECORD = `
  with input as (
    select * from unnest($1::bigint[], $2::text[], $3::text[], $4::device_hub_status[], $5::text[], $6::text[], $7::text[],
        $8::float8[], $9::boolean[], $10::text[], $11::timestamptz[], $12::int[], $13::text[], $14::uuid[], $15::text[], $16::boolean[])
      as t(device_id, due_at, hub, hub_status, error_code, error_message, next_step, retry_ms, history, outcome, started_at,
        duration_ms, trigger, actor_id, actor_email, manual)
  ), updated as (
    update devices d set
      hub_status = i.hub_status, hub_checked_hub = i.hub, hub_checked_at = now(),
      hub_error_code = i.error_code, hub_error_message = i.error_message, hub_next_step = i.next_step,
      hub_check_due_at = case when i.retry_ms is null then null else now() + i.retry_ms * interval '1 millisecond' end,
      hub_check_lease_until = null,
      hub_check_tries = case when i.retry_ms is null then 0 else d.hub_check_tries + 1 end
    from input i
    where d.id = i.device_id and d.status = 'assigned' and d.assigned_hub = i.hub
      and (i.manual or d.hub_check_due_at = i.due_at::timestamptz)
    returning i.*
  ), history as (
    insert into provisioning_history (device_id, attempt_id, started_at, trigger, outcome, hub, error_kind, error_code,
      error_message, duration_ms, triggered_by_id, triggered_by_email)
    select u.device_id, gen_random_uuid(), u.started_at, u.trigger, u.outcome, u.hub,
      case when u.hub_status = 'connected' then null else 'hub-' || u.hub_status::text end,
      u.error_code, concat_ws(' ', u.error_message, u.next_step), u.duration_ms,
      (select users.id from users where users.id = u.actor_id), u.actor_email
    from updated u where u.history
    returning 1
  )
  select device_id::int as device_id from updated`;

/** Writes many checks' results (and their history rows) in one statement; returns the devices written. */
export async function recordHubChecks(db: Queryable, records: HubCheckRecord[]): Promise<Set<number>> {
  if (records.length === 0) return new Set();
  const column = <T>(pick: (record: HubCheckRecord) => T) => records.map(pick);
  const { rows } = await db.query<{ device_id: number }>({
    name: "hic_hub_record",
    text: RECORD,
    values: [
      column((r) => r.check.deviceId),
      column((r) => r.check.dueAt),
      column((r) => r.check.hub),
      column((r) => r.verdict.hubStatus),
      column((r) => r.verdict.errorCode),
      column((r) => r.verdict.errorMessage),
      column((r) => r.verdict.nextStep),
      column((r) => r.verdict.retryInMs),
      column((r) => r.history),
      column((r) => r.verdict.outcome),
      column((r) => r.startedAt),
      column((r) => Math.max(0, Math.round(r.durationMs))),
      column((r) => (r.manual ? "hub-check-manual" : "hub-check")),
      column((r) => r.actorId),
      column((r) => r.actorEmail),
      column((r) => r.manual),
    ],
  });
  return new Set(rows.map((row) => row.device_id));
}

/** Hands claimed checks back untouched (a stopping worker), so another worker takes them at once. */
export async function releaseChecks(db: Queryable, checks: DueCheck[]): Promise<void> {
  if (checks.length === 0) return;
  await db.query(
    `update devices set hub_check_lease_until = null
     where id = any($1::bigint[]) and hub_check_lease_until is not null`,
    [checks.map((check) => check.deviceId)],
  );
}

export type HubTally = { hub: string; successes: number; outages: number; lastError: string | null };

/**
 * Feeds a batch's results to each hub's circuit: any answer from the hub closes it; failures in a
 * row (across all workers) open it at `circuitFailures`, and each failed probe doubles the wait
 * up to `probeMaxMs`.
 */
export async function updateHubCircuits(
  db: Queryable,
  tallies: HubTally[],
  settings: { circuitFailures: number; probeMinMs: number; probeMaxMs: number },
): Promise<void> {
  const answered = tallies.filter((t) => t.successes > 0).map((t) => t.hub);
  const failing = tallies.filter((t) => t.successes === 0 && t.outages > 0);
  if (answered.length > 0)
    await db.query({
      name: "hic_hub_circuit_close",
      text: `update hub_circuits set consecutive_failures = 0, failed_probes = 0, opened_at = null, open_until = null,
          changed_at = now()
        where hub = any($1::text[]) and (consecutive_failures > 0 or open_until is not null)`,
      values: [answered],
    });
  if (failing.length > 0)
    await db.query({
      name: "hic_hub_circuit_fail",
      text: `insert into hub_circuits as c (hub, consecutive_failures, last_error_message)
        select * from unnest($1::text[], $2::int[], $3::text[]) order by 1
        on conflict (hub) do update set
          consecutive_failures = c.consecutive_failures + excluded.consecutive_failures,
          failed_probes = case when c.consecutive_failures >= $4 then c.failed_probes + 1 else 0 end,
          opened_at = case when c.consecutive_failures + excluded.consecutive_failures >= $4 then coalesce(c.opened_at, now()) else null end,
          open_until = case when c.consecutive_failures + excluded.consecutive_failures >= $4
            then now() + least($6::float8, $5::float8 * 2 ^ (case when c.consecutive_failures >= $4 then c.failed_probes + 1 else 0 end)) * interval '1 millisecond'
            else null end,
          last_error_message = excluded.last_error_message, changed_at = now()`,
      values: [
        failing.map((t) => t.hub),
        failing.map((t) => t.outages),
        failing.map((t) => t.lastError),
        settings.circuitFailures,
        settings.probeMinMs,
        settings.probeMaxMs,
      ],
    });
}

const limiterRows = new WeakMap<object, Set<string>>();

/**
 * Books one paced slot per check on each hub's limiter row (rate_limiter, `hub:<name>`), shared by
 * every worker; returns how long each check waits for its slot, in input order.
 */
export async function bookHubSlots(db: Queryable, hubs: string[], slotCostMs: number): Promise<number[]> {
  if (hubs.length === 0) return [];
  const counts = new Map<string, number>();
  for (const hub of hubs) counts.set(hub, (counts.get(hub) ?? 0) + 1);
  const names = [...counts.keys()].map((hub) => `hub:${hub}`);
  const known = limiterRows.get(db) ?? new Set<string>();
  limiterRows.set(db, known);
  const missing = names.filter((name) => !known.has(name));
  if (missing.length > 0) {
    await db.query(
      "insert into rate_limiter (name) select unnest($1::text[]) order by 1 on conflict do nothing",
      [missing],
    );
    for (const name of missing) known.add(name);
  }
  const { rows } = await db.query<{ name: string; end_ms: number }>({
    name: "hic_hub_book",
    text: `update rate_limiter r set next_slot_at = greatest(r.next_slot_at, clock_timestamp()) + b.n * $3::float8 * interval '1 millisecond'
      from (select * from unnest($1::text[], $2::int[]) as t(name, n) order by 1) b where r.name = b.name
      returning r.name, (extract(epoch from (r.next_slot_at - clock_timestamp())) * 1000)::float8 as end_ms`,
    values: [names, [...counts.values()], slotCostMs],
  });
  const ends = new Map(rows.map((row) => [row.name.slice(4), row.end_ms]));
  const seen = new Map<string, number>();
  return hubs.map((hub) => {
    const n = counts.get(hub)!;
    const k = (seen.get(hub) ?? 0) + 1;
    seen.set(hub, k);
    return Math.max(0, (ends.get(hub) ?? 0) - (n - k + 1) * slotCostMs);
  });
}

/**
 * Whether `hub` is accepting devices other than `deviceId`: its circuit has no failure streak and
 * another device connected to it since `since`.
 */
export async function hubAcceptsOthers(
  db: Queryable,
  hub: string,
  deviceId: number,
  since: Date,
): Promise<boolean> {
  const { rows } = await db.query<{ accepts: boolean }>({
    name: "hic_hub_accepts_others",
    text: `select case
        when exists (select 1 from hub_circuits where hub = $1 and consecutive_failures > 0) then false
        else exists (select 1 from devices where hub_checked_hub = $1 and hub_status = 'connected' and id <> $2
          and hub_checked_at > $3)
      end as accepts`,
    values: [hub, deviceId, since],
  });
  return rows[0]?.accepts ?? false;
}
