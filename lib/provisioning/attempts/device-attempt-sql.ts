// Raw SQL: fetch-and-claim and the batch. Claiming devices with their rate-limiter slots is one
// prepared statement; recording many attempts' results is one more.
// Over 300 lines on purpose: the hot path's SQL for a device attempt (claim, record, release, and
// the batcher that records many in one statement) is one named raw-SQL module, read together
// because the index plans and the lease logic depend on all of it.
import type pg from "pg";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import { DPS_RATE_LIMITER } from "../pacing/rate-limiter";
import type { AttemptVerdict } from "./attempt-outcome";
import type { Actor } from "@/db/schema/actor";
import type { DeviceStatus } from "@/db/schema/device-statuses";
import type { Trigger } from "../types";

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
      status = 'assigning', attempt_id = i.attempt_id, attempt_owner = $5::uuid, lease_expires_at = clock_timestamp() + i.lease_s * interval '1 second',
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
    update rate_limiter set next_slot_at = greatest(next_slot_at, clock_timestamp()) + (select count(*) from claimed) * $7::float8 * interval '1 millisecond'
    where name = $6 and exists (select 1 from claimed)
    returning (extract(epoch from (next_slot_at - clock_timestamp())) * 1000)::float8 as end_ms
  )
  select r.*, greatest(0, coalesce(s.end_ms, 0) - (r.claimed_count - r.position + 1) * $7::float8)::float8 as wait_ms
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
 * fetch returned), naming `owner` (this process's heartbeat id) as the process running them.
 * Returns a claim, or null where the device was not claimable, in input order.
 */
export async function claimDevices(
  db: Queryable,
  requests: ClaimRequest[],
  slotCostMs: number | null,
  owner: string,
): Promise<(Claim | null)[]> {
  if (requests.length === 0) return [];
  const arrays = [
    requests.map((r) => r.deviceId),
    requests.map((r) => r.attemptId),
    requests.map((r) => r.leaseSeconds),
    requests.map((r) => r.attempt),
    owner,
  ];
  let rows: ClaimRow[];
  if (slotCostMs) {
    if (!limiterRowReady.has(db)) {
      await db.query("insert into rate_limiter (name) values ($1) on conflict do nothing", [
        DPS_RATE_LIMITER,
      ]);
      limiterRowReady.add(db);
    }
    ({ rows } = await db.query<ClaimRow>({
      name: "hic_claim_book",
      text: CLAIM_AND_BOOK,
      values: [...arrays, DPS_RATE_LIMITER, slotCostMs],
    }));
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

export type ClaimRefusal =
  { reason: "missing" } | { reason: "done" } | { reason: "busy"; leaseLeftMs: number };

/** Why a claim found nothing to do (the rare path, so a second query is fine). */
export async function explainRefusedClaim(
  db: Queryable,
  deviceId: number,
  attemptId: string,
): Promise<ClaimRefusal> {
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

// Many attempts' results in one statement (the worker batches them; one is a batch of one): the
// device rows still carrying each attempt id get the result, and each of those gets its history row.
const RECORD = `
  with input as (
    select * from unnest($1::bigint[], $2::uuid[], $3::device_status[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[],
        $15::bigint[], $16::timestamptz[], $17::text[], $18::text[], $19::text[], $20::int[], $21::text[], $22::uuid[], $23::text[])
      as t(device_id, attempt_id, status, hub, dps_device_id, substatus, etag, dps_created_at, dps_updated_at, operation_id,
        error_kind, error_code, error_message, next_retry_at, run_id, started_at, trigger, outcome, previous_hub, duration_ms,
        key_used, actor_id, actor_email)
  ), updated as (
    update devices d set
      status = i.status,
      assigned_hub = coalesce(i.hub, d.assigned_hub), dps_device_id = coalesce(i.dps_device_id, d.dps_device_id),
      substatus = case when i.status = 'assigned' then i.substatus else d.substatus end,
      etag = coalesce(i.etag, d.etag), dps_created_at = coalesce(i.dps_created_at, d.dps_created_at),
      dps_updated_at = coalesce(i.dps_updated_at, d.dps_updated_at), last_operation_id = coalesce(i.operation_id, d.last_operation_id),
      last_error_kind = i.error_kind, last_error_code = i.error_code, last_error_message = i.error_message,
      next_retry_at = i.next_retry_at, lease_expires_at = null, attempt_owner = null, updated_at = now()
    from input i
    where d.id = i.device_id and d.attempt_id = i.attempt_id and d.status = 'assigning'
    returning i.*
  )
  insert into provisioning_history (device_id, attempt_id, run_id, started_at, trigger, operation_id, outcome, hub, previous_hub,
    substatus, error_kind, error_code, error_message, duration_ms, key_used, triggered_by_id, triggered_by_email)
  select u.device_id, u.attempt_id, u.run_id, u.started_at, u.trigger, u.operation_id, u.outcome, u.hub, u.previous_hub,
    u.substatus, u.error_kind, u.error_code, u.error_message, u.duration_ms, u.key_used,
    -- the user may have been deleted since the job was queued
    (select users.id from users where users.id = u.actor_id), u.actor_email
  from updated u
  on conflict (attempt_id) do nothing
  returning attempt_id`;

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

/**
 * Writes each attempt's device state and history row (one statement for all); returns the attempt
 * ids written. An attempt that lost its device (lease taken over) is left out.
 */
export async function recordAttempts(db: Queryable, records: AttemptRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const column = <T>(pick: (record: AttemptRecord) => T) => records.map(pick);
  const { rows } = await db.query<{ attempt_id: string }>({
    name: "hic_record_attempts",
    text: RECORD,
    values: [
      column((r) => r.deviceId),
      column((r) => r.attemptId),
      column((r) => r.verdict.status),
      column((r) => r.verdict.hub),
      column((r) => r.verdict.dpsDeviceId),
      column((r) => r.verdict.substatus),
      column((r) => r.verdict.etag),
      column((r) => r.verdict.dpsCreatedAt),
      column((r) => r.verdict.dpsUpdatedAt),
      column((r) => r.verdict.operationId),
      column((r) => r.verdict.errorKind),
      column((r) => r.verdict.errorCode),
      column((r) => r.verdict.errorMessage),
      column((r) => r.nextRetryAt),
      column((r) => r.runId),
      column((r) => r.startedAt),
      column((r) => r.trigger),
      column((r) => r.verdict.outcome),
      column((r) => r.previousHub),
      column((r) => Math.max(0, Math.round(r.durationMs))),
      column((r) => r.keyUsed),
      column((r) => r.actor?.id || null),
      column((r) => r.actor?.email || null),
    ],
  });
  return new Set(rows.map((row) => row.attempt_id));
}

export async function recordAttempt(db: Queryable, record: AttemptRecord): Promise<boolean> {
  return (await recordAttempts(db, [record])).has(record.attemptId);
}

/**
 * Collects results for a few milliseconds and writes them with one statement: a status change
 * updates the shared device_counts rows through a trigger, so fewer, larger statements keep a busy
 * fleet from queueing on those rows. Used off the critical path (the DPS call slot is already free).
 */
export class RecordBatcher {
  private pending: {
    record: AttemptRecord;
    deadline: number;
    done: (written: boolean) => void;
    fail: (error: unknown) => void;
  }[] = [];
  private awayPauseMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly windowMs = 25,
    private readonly maxBatch = 100,
  ) {}

  /** Resolves whether the result was written; while the database is away it keeps trying until `deadline` (the attempt's lease end). */
  record(record: AttemptRecord, deadline = Date.now()): Promise<boolean> {
    return new Promise((done, fail) => {
      this.pending.push({ record, deadline, done, fail });
      if (this.pending.length >= this.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const written = await recordAttempts(
        this.db,
        batch.map((entry) => entry.record),
      );
      this.awayPauseMs = 0;
      for (const entry of batch) entry.done(written.has(entry.record.attemptId));
    } catch (error) {
      if (isDatabaseUnreachable(error)) return this.retryLater(batch, error);
      // One unwritable result must not take the others down with it: write them one by one.
      for (const entry of batch) await recordAttempt(this.db, entry.record).then(entry.done, entry.fail);
    }
  }

  /** The database is away: results are kept and written when it is back, each until its lease ends. */
  private retryLater(batch: typeof this.pending, error: unknown): void {
    this.awayPauseMs = Math.min(2_000, Math.max(250, this.awayPauseMs * 2));
    const now = Date.now();
    for (const entry of batch) {
      if (entry.deadline > now + this.awayPauseMs) this.pending.push(entry);
      else entry.fail(error);
    }
    if (this.pending.length > 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), this.awayPauseMs);
    }
  }
}

/** Why a device waits without a result of its own (DPS unreachable, the key refused): shown as its last error. */
export type WaitingReason = { kind: string; code: string | null; message: string };

/**
 * Gives a device back when its attempt came to no result of its own (pause, shutdown, no slot in
 * time, an outage, a refused key): the status it had before, no lease, no owner; with `waiting`,
 * the reason it waits becomes its last error.
 */
export async function releaseDevice(
  db: Queryable,
  deviceId: number,
  attemptId: string,
  previousStatus: DeviceStatus,
  waiting?: WaitingReason,
): Promise<void> {
  await db.query(
    `update devices set status = $3::device_status, attempt_id = null, attempt_owner = null, lease_expires_at = null, updated_at = now(),
       last_error_kind = case when $4::text is null then last_error_kind else $4 end,
       last_error_code = case when $4::text is null then last_error_code else $5 end,
       last_error_message = case when $4::text is null then last_error_message else $6 end
     where id = $1 and attempt_id = $2 and status = 'assigning'`,
    [
      deviceId,
      attemptId,
      previousStatus === "assigning" ? "pending" : previousStatus,
      waiting?.kind ?? null,
      waiting?.code ?? null,
      waiting?.message ?? null,
    ],
  );
}
