// Raw SQL: the lock. Each change of DPS's health is one statement (a CTE that locks the row, updates
// it and notifies at commit), so racing workers never lose each other's updates.
import type pg from "pg";
import { BOSS_SCHEMA, PROVISION_QUEUE } from "../queue/boss";
import { JOBS_CHANNEL } from "../queue/job-notifier";
import { DPS_RATE_LIMITER } from "../pacing/rate-limiter";

/**
 * The dps_circuit row (db/schema/engine.ts): DPS's health as every worker sees it. Each change is
 * one statement, so workers racing to report, open, probe or close never lose each other's
 * updates, and each change that matters is announced on HEALTH_CHANNEL at commit.
 */

type Queryable = Pick<pg.Pool, "query">;

export const CIRCUIT_ROW = "dps";
/** Workers listen here: an opened or closed circuit (or a refused key) reaches every worker at once. */
export const HEALTH_CHANNEL = "hic_dps_health";

export type CircuitState = "closed" | "open" | "key-refused";

export type CircuitRow = {
  state: CircuitState;
  consecutiveFailures: number;
  since: Date | null;
  nextProbeAt: Date | null;
  failedProbes: number;
  lastErrorKind: string | null;
  lastErrorMessage: string | null;
  refusedVersion: number | null;
};

type RawRow = {
  state: CircuitState;
  consecutive_failures: number;
  since: Date | null;
  next_probe_at: Date | null;
  failed_probes: number;
  last_error_kind: string | null;
  last_error_message: string | null;
  refused_version: number | null;
};

const COLUMNS =
  "state, consecutive_failures, since, next_probe_at, failed_probes, last_error_kind, last_error_message, refused_version";

function fromRaw(row: RawRow | undefined): CircuitRow {
  if (!row)
    return {
      state: "closed",
      consecutiveFailures: 0,
      since: null,
      nextProbeAt: null,
      failedProbes: 0,
      lastErrorKind: null,
      lastErrorMessage: null,
      refusedVersion: null,
    };
  return {
    state: row.state,
    consecutiveFailures: row.consecutive_failures,
    since: row.since,
    nextProbeAt: row.next_probe_at,
    failedProbes: row.failed_probes,
    lastErrorKind: row.last_error_kind,
    lastErrorMessage: row.last_error_message,
    refusedVersion: row.refused_version,
  };
}

export async function readCircuit(db: Queryable): Promise<CircuitRow> {
  const { rows } = await db.query<RawRow>({
    name: "hic_circuit_read",
    text: `select ${COLUMNS} from dps_circuit where id = $1`,
    values: [CIRCUIT_ROW],
  });
  return fromRaw(rows[0]);
}

/** The row exists from the migration on; this only guards a database where someone deleted it. */
export async function ensureCircuitRow(db: Queryable): Promise<void> {
  await db.query("insert into dps_circuit (id) values ($1) on conflict do nothing", [CIRCUIT_ROW]);
}

export type FailureReport = {
  /** Whether DPS answered any request since the last report: the streak then restarts from `tail`. */
  answered: boolean;
  /** Failed requests since DPS last answered (or since the last report). */
  tail: number;
  kind: string | null;
  message: string | null;
};

/**
 * Adds a process's failed requests to the fleet-wide streak (or restarts it when DPS answered in
 * between), and opens the circuit once the streak reaches `threshold`. Only a closed circuit
 * counts; returns the row as it is now (null when the circuit was not closed).
 */
export async function reportRequests(
  db: Queryable,
  report: FailureReport,
  threshold: number,
  firstProbeMs: number,
): Promise<{ state: CircuitState; consecutiveFailures: number } | null> {
  const { rows } = await db.query<{ state: CircuitState; consecutive_failures: number }>({
    name: "hic_circuit_report",
    text: `
      with cur as (
        select c.id, case when $2::boolean then $3::int else c.consecutive_failures + $3::int end as n
        from dps_circuit c where c.id = $1 and c.state = 'closed' for update
      ), upd as (
        update dps_circuit c set
          consecutive_failures = cur.n,
          failing_since = case when cur.n = 0 or cur.n >= $6 then null when $2::boolean or c.failing_since is null then clock_timestamp() else c.failing_since end,
          last_error_kind = coalesce($4, c.last_error_kind),
          last_error_message = coalesce($5, c.last_error_message),
          state = case when cur.n >= $6 then 'open' else 'closed' end,
          since = case when cur.n >= $6 then clock_timestamp() else c.since end,
          next_probe_at = case when cur.n >= $6 then clock_timestamp() + $7::float8 * interval '1 millisecond' else c.next_probe_at end,
          failed_probes = case when cur.n >= $6 then 0 else c.failed_probes end,
          changed_at = case when cur.n >= $6 then clock_timestamp() else c.changed_at end
        from cur where c.id = cur.id
        returning c.state, c.consecutive_failures
      )
      select upd.state, upd.consecutive_failures, case when upd.state = 'open' then pg_notify($8, 'open') end as notified from upd`,
    values: [
      CIRCUIT_ROW,
      report.answered,
      report.tail,
      report.kind,
      report.message,
      threshold,
      firstProbeMs,
      HEALTH_CHANNEL,
    ],
  });
  const row = rows[0];
  return row ? { state: row.state, consecutiveFailures: row.consecutive_failures } : null;
}

/** One process at a time probes an open circuit, once its next probe is due; the claim expires by itself. */
export async function claimProbe(db: Queryable, owner: string, holdMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `update dps_circuit set probe_owner = $2, probe_until = clock_timestamp() + $3::float8 * interval '1 millisecond'
     where id = $1 and state = 'open' and next_probe_at <= clock_timestamp() and (probe_until is null or probe_until < clock_timestamp())`,
    [CIRCUIT_ROW, owner, holdMs],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * DPS answered again: close the circuit and let the work flow at once. After an outage the rate
 * limiter's bucket is brought back to now (DPS admitted nothing while it was unreachable, so the
 * slots booked by attempts that were handed back are owed to no one) and retries scheduled for
 * later are due now. Not after a run of 429s: DPS was admitting requests then, its quota window is
 * full of them, and a burst on closing would only fill it over again (and open the circuit again).
 * Every worker is woken either way.
 */
export async function closeCircuit(db: Queryable, from: CircuitState): Promise<boolean> {
  const { rows } = await db.query<{ closed: boolean }>(
    `with closed as (
       update dps_circuit set state = 'closed', consecutive_failures = 0, failing_since = null, since = null, next_probe_at = null,
         failed_probes = 0, probe_owner = null, probe_until = null, refused_version = null, changed_at = clock_timestamp()
       where id = $1 and state = $2
       returning coalesce(last_error_kind, '') like 'throttled%' as throttled
     ), bucket as (
       update rate_limiter set next_slot_at = least(next_slot_at, clock_timestamp())
       where name = $3 and exists (select 1 from closed where not throttled)
     ), due as (
       update ${BOSS_SCHEMA}.job set start_after = now()
       where name = $4 and state in ('created', 'retry') and start_after > now() and exists (select 1 from closed where not throttled)
     )
     select true as closed, pg_notify($5, 'closed'), pg_notify($6, '') from closed`,
    [CIRCUIT_ROW, from, DPS_RATE_LIMITER, PROVISION_QUEUE, HEALTH_CHANNEL, JOBS_CHANNEL],
  );
  return rows.length > 0;
}

/** A failed probe: the next one waits twice as long (with jitter), up to `maxMs`. */
export async function probeFailed(
  db: Queryable,
  owner: string,
  facts: { kind: string; message: string },
  minMs: number,
  maxMs: number,
): Promise<void> {
  await db.query(
    `update dps_circuit set failed_probes = failed_probes + 1,
       next_probe_at = clock_timestamp() + least($5::float8, $4::float8 * power(2, least(failed_probes, 20)) * (0.8 + random() * 0.4)) * interval '1 millisecond',
       probe_owner = null, probe_until = null, last_error_kind = $3, last_error_message = $6
     where id = $1 and state = 'open' and probe_owner = $2`,
    [CIRCUIT_ROW, owner, facts.kind, minMs, maxMs, facts.message],
  );
}

/**
 * DPS refused every stored group key: nobody calls it until the integration's `version` moves on
 * (a save) or a connection test of the stored key succeeds. A refusal reported late by an attempt
 * that still used older keys never replaces one of newer keys. Returns whether this call changed the row.
 */
export async function refuseKey(
  db: Queryable,
  version: number,
  facts: { kind: string; message: string },
): Promise<boolean> {
  const { rows } = await db.query(
    `with refused as (
       update dps_circuit set state = 'key-refused', refused_version = $2, since = clock_timestamp(), consecutive_failures = 0, failing_since = null,
         next_probe_at = null, failed_probes = 0, probe_owner = null, probe_until = null, last_error_kind = $3, last_error_message = $4,
         changed_at = clock_timestamp()
       where id = $1 and not (state = 'key-refused' and refused_version >= $2)
       returning 1
     )
     select pg_notify($5, 'key-refused') from refused`,
    [CIRCUIT_ROW, version, facts.kind, facts.message, HEALTH_CHANNEL],
  );
  return rows.length > 0;
}

/** A refusal of keys that have since been replaced is history: the circuit counts failures again. */
export async function forgetStaleRefusal(db: Queryable, currentVersion: number): Promise<void> {
  await db.query(
    `update dps_circuit set state = 'closed', refused_version = null, since = null, consecutive_failures = 0, failing_since = null, changed_at = clock_timestamp()
     where id = $1 and state = 'key-refused' and (refused_version is null or refused_version < $2)`,
    [CIRCUIT_ROW, currentVersion],
  );
}
