import type pg from "pg";
import { DPS_RATE_LIMITER } from "./rate-limiter";
import type { AttemptVerdict } from "./attempt-outcome";
import type { Actor, DeviceStatus, Trigger } from "./types";

/**
 * The device side of an attempt. A device is claimed with a conditional update (only when no other
 * attempt holds a live lease, and only once per attempt id), and an attempt's result is written
 * only while the device still carries that attempt id: a worker that lost its lease, a duplicate
 * job or a restart can neither leave two results for one attempt nor overwrite a newer one.
 */

type Queryable = Pick<pg.Pool, "query">;

const CLAIM = `
  with input as (
    select * from unnest($1::bigint[], $2::uuid[], $3::float8[], $4::int[]) with ordinality as t(device_id, attempt_id, lease_s, attempt, ord)
  ), claimed as (
    update devices d set
      status = 'assigning', attempt_id = i.attempt_id, lease_expires_at = clock_timestamp() + i.lease_s * interval '1 second',
      attempt_count = i.attempt, next_retry_at = null, updated_at = now()
    from input i, devices prev
    where d.id = i.device_id and prev.id = d.id
      and (d.status <> 'assigning' or d.lease_expires_at is null or d.lease_expires_at < clock_timestamp())
      and not exists (select 1 from provisioning_history h where h.attempt_id = i.attempt_id)
    returning i.ord, d.registration_id, d.payload, prev.status as previous_status, prev.assigned_hub as previous_hub,
      (extract(epoch from (d.lease_expires_at - clock_timestamp())) * 1000)::float8 as lease_ms
  ), ranked as (
    select c.*, row_number() over (order by c.ord) as position, count(*) over () as claimed_count from claimed c
  )`;

const CLAIM_ONLY = `${CLAIM} select r.*, 0::float8 as wait_ms from ranked r`;

// One booking for all devices claimed (none if none was): the k-th of n starts (n - k + 1) costs before the bucket's new end.
const CLAIM_AND_BOOK = `${CLAIM}, slot as (
    update rate_limiter set next_slot_at = greatest(next_slot_at, clock_timestamp()) + (select count(*) from claimed) * $6::float8 * interval '1 millisecond'
    where name = $5 and exists (select 1 from claimed)
    returning (extract(epoch from (next_slot_at - clock_timestamp())) * 1000)::float8 as end_ms
  )
  select r.*, greatest(0, coalesce(s.end_ms, 0) - (r.claimed_count - r.position + 1) * $6::float8)::float8 as wait_ms
  from ranked r left join slot s on true`;

export type Claim = {
  registrationId: string;
  payload: Record<string, unknown> | null;
  previousStatus: DeviceStatus;
  previousHub: string | null;
  /** Lease left right after the claim, on the database clock. */
  leaseMs: number;
  /** How long to wait for the booked DPS slot. */
  waitMs: number;
};

type ClaimRow = {
  ord: string;
  registration_id: string;
  payload: Record<string, unknown> | null;
  previous_status: DeviceStatus;
  previous_hub: string | null;
  lease_ms: number;
  wait_ms: number;
};

export type ClaimRequest = { deviceId: number; attemptId: string; leaseSeconds: number; attempt: number };

const limiterRowReady = new WeakSet<object>();

/**
 * Claims several devices and books their DPS slots in one statement (a worker claims what one
 * fetch returned). Returns a claim, or null where the device was not claimable, in input order.
 */
export async function claimDevices(db: Queryable, requests: ClaimRequest[], slotCostMs: number | null): Promise<(Claim | null)[]> {
  if (requests.length === 0) return [];
  const arrays = [requests.map((r) => r.deviceId), requests.map((r) => r.attemptId), requests.map((r) => r.leaseSeconds), requests.map((r) => r.attempt)];
  let rows: ClaimRow[];
  if (slotCostMs) {
    if (!limiterRowReady.has(db)) {
      await db.query("insert into rate_limiter (name) values ($1) on conflict do nothing", [DPS_RATE_LIMITER]);
      limiterRowReady.add(db);
    }
    ({ rows } = await db.query<ClaimRow>({ name: "hic_claim_book", text: CLAIM_AND_BOOK, values: [...arrays, DPS_RATE_LIMITER, slotCostMs] }));
  } else {
    ({ rows } = await db.query<ClaimRow>({ name: "hic_claim", text: CLAIM_ONLY, values: arrays }));
  }
  const claims: (Claim | null)[] = requests.map(() => null);
  for (const row of rows) {
    claims[Number(row.ord) - 1] = {
      registrationId: row.registration_id,
      payload: row.payload,
      previousStatus: row.previous_status,
      previousHub: row.previous_hub,
      leaseMs: row.lease_ms,
      waitMs: row.wait_ms,
    };
  }
  return claims;
}

export type ClaimRefusal = { reason: "missing" } | { reason: "done" } | { reason: "busy"; leaseLeftMs: number };

/** Why a claim found nothing to do (the rare path, so a second query is fine). */
export async function explainRefusedClaim(db: Queryable, deviceId: number, attemptId: string): Promise<ClaimRefusal> {
  const { rows } = await db.query<{ lease_left_ms: number | null; done: boolean }>(
    `select greatest(0, extract(epoch from (d.lease_expires_at - clock_timestamp())) * 1000)::float8 as lease_left_ms,
       exists (select 1 from provisioning_history h where h.attempt_id = $2) as done
     from devices d where d.id = $1`,
    [deviceId, attemptId],
  );
  const row = rows[0];
  if (!row) return { reason: "missing" };
  if (row.done) return { reason: "done" };
  return { reason: "busy", leaseLeftMs: row.lease_left_ms ?? 0 };
}

const RECORD = `
  with updated as (
    update devices set
      status = $3::device_status,
      assigned_hub = coalesce($4, assigned_hub), dps_device_id = coalesce($5, dps_device_id),
      substatus = case when $3::device_status = 'assigned' then $6 else substatus end,
      etag = coalesce($7, etag), dps_created_at = coalesce($8, dps_created_at), dps_updated_at = coalesce($9, dps_updated_at),
      last_operation_id = coalesce($10, last_operation_id),
      last_error_kind = $11, last_error_code = $12, last_error_message = $13,
      next_retry_at = $14, lease_expires_at = null, updated_at = now()
    where id = $1 and attempt_id = $2 and status = 'assigning'
    returning id
  )
  insert into provisioning_history (device_id, attempt_id, run_id, started_at, trigger, operation_id, outcome, hub, previous_hub,
    substatus, error_kind, error_code, error_message, duration_ms, key_used, triggered_by_id, triggered_by_email)
  select id, $2, $15, $16, $17, $10, $18, $4, $19, $6, $11, $12, $13, $20, $21, $22, $23 from updated
  on conflict (attempt_id) do nothing
  returning id`;

export type AttemptRecord = {
  deviceId: number;
  attemptId: string;
  verdict: AttemptVerdict;
  nextRetryAt: Date | null;
  runId: number | null;
  startedAt: Date;
  trigger: Trigger;
  previousHub: string | null;
  durationMs: number;
  keyUsed: string | null;
  actor: Actor;
};

/** Writes the device's new state and its history row in one statement; false if the attempt lost the device. */
export async function recordAttempt(db: Queryable, record: AttemptRecord): Promise<boolean> {
  const v = record.verdict;
  const { rows } = await db.query({
    name: "hic_record_attempt",
    text: RECORD,
    values: [
      record.deviceId,
      record.attemptId,
      v.status,
      v.hub,
      v.dpsDeviceId,
      v.substatus,
      v.etag,
      v.dpsCreatedAt,
      v.dpsUpdatedAt,
      v.operationId,
      v.errorKind,
      v.errorCode,
      v.errorMessage,
      record.nextRetryAt,
      record.runId,
      record.startedAt,
      record.trigger,
      v.outcome,
      record.previousHub,
      Math.max(0, Math.round(record.durationMs)),
      record.keyUsed,
      record.actor?.id ?? null,
      record.actor?.email ?? null,
    ],
  });
  return rows.length === 1;
}

/**
 * Gives a device back untouched when its attempt did not reach DPS (pause, shutdown, no slot in
 * time): the status it had before, and no lease.
 */
export async function releaseDevice(db: Queryable, deviceId: number, attemptId: string, previousStatus: DeviceStatus): Promise<void> {
  await db.query(
    `update devices set status = $3::device_status, attempt_id = null, lease_expires_at = null, updated_at = now()
     where id = $1 and attempt_id = $2 and status = 'assigning'`,
    [deviceId, attemptId, previousStatus === "assigning" ? "pending" : previousStatus],
  );
}
