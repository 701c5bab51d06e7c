// Raw SQL: the plan. A run's progress is one lateral aggregate per run over
// provisioning_history_run_idx, and the queue's length reads pg-boss's job table.
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceCounts } from "@/db/schema/devices";
import { zeroCountsByStatus, type DeviceStatus } from "@/db/schema/device-statuses";
import { FAILED_OUTCOMES, FINAL_OUTCOMES } from "../attempts/attempt-outcome";
import { getEngine } from "../engine";
import { BOSS_SCHEMA, PROVISION_QUEUE } from "../queue/boss";
import { devicesPerMinute, RATE_SAFETY } from "../pacing/rate-limiter";
import { dpsHealthOf } from "../health/dps-health";
import type { DpsHealth, EngineRun, EngineStatus } from "../types";

/**
 * Device counts come from `device_counts`, which triggers keep exact (a handful of rows at any
 * fleet size); run progress from the run's history rows through provisioning_history_run_idx.
 */
async function readCounts(): Promise<Record<DeviceStatus, number>> {
  const rows = await getDb()
    .select({ status: deviceCounts.status, count: sql<string>`sum(${deviceCounts.count})::bigint` })
    .from(deviceCounts)
    .groupBy(deviceCounts.status);
  const counts = zeroCountsByStatus();
  for (const row of rows) counts[row.status] = Math.max(0, Number(row.count));
  return counts;
}

type RunRow = {
  id: string;
  trigger: string;
  total: number;
  created_at: Date;
  done: string;
  failed: string;
  recent: string;
  recent_span_s: number | null;
};

async function readActiveRun(fallbackPerMinute: number | null, paused: boolean): Promise<EngineRun | null> {
  const { rows } = await getDb().$client.query<RunRow>(
    `select r.id, r.trigger, r.total, r.created_at, p.done, p.failed, p.recent,
       extract(epoch from (now() - p.first_recent))::float8 as recent_span_s
     from provisioning_runs r
     cross join lateral (
       select count(*) filter (where h.outcome = any($1::text[])) as done,
              count(*) filter (where h.outcome = any($2::text[])) as failed,
              count(*) filter (where h.outcome = any($1::text[]) and h.finished_at > now() - interval '60 seconds') as recent,
              min(h.finished_at) filter (where h.outcome = any($1::text[]) and h.finished_at > now() - interval '60 seconds') as first_recent
       from provisioning_history h where h.run_id = r.id
     ) p
     where r.finished_at is null
     order by r.id desc
     limit 5`,
    [FINAL_OUTCOMES, FAILED_OUTCOMES],
  );
  const row = rows.find((candidate) => Number(candidate.done) < candidate.total);
  if (!row) return null;
  const done = Number(row.done);
  // Results per minute over the last minute, measured from the first result in it (so a run's
  // start-up latency does not read as slowness); decays towards 0 when results stop coming.
  const recent = Number(row.recent);
  const ratePerMinute =
    recent >= 2 && row.recent_span_s ? ((recent - 1) / Math.max(1, row.recent_span_s)) * 60 : 0;
  const remaining = row.total - done;
  const etaSeconds = paused
    ? null
    : ratePerMinute > 0
      ? Math.ceil((remaining / ratePerMinute) * 60)
      : fallbackPerMinute
        ? Math.ceil((remaining / (fallbackPerMinute * RATE_SAFETY)) * 60)
        : null;
  return {
    id: Number(row.id),
    trigger: row.trigger,
    total: row.total,
    done,
    failed: Number(row.failed),
    startedAt: row.created_at.toISOString(),
    ratePerMinute: Math.round(ratePerMinute * 10) / 10,
    etaSeconds,
  };
}

const EXACT_QUEUED_UP_TO = 10_000;

/**
 * Waiting jobs, counted exactly up to 10,000 (an index range scan that stays cheap). Beyond that,
 * counting a million-job queue on every page view would cost more than the number is worth, so
 * the figure comes from the unfinished runs' remaining devices instead.
 */
async function readQueued(): Promise<number> {
  await getEngine().boss(); // the queue tables exist once pg-boss has started
  const pool = getDb().$client;
  const { rows } = await pool.query<{ n: string }>(
    `select count(*) as n from (select 1 from ${BOSS_SCHEMA}.job where name = $1 and state < 'active' limit $2) waiting`,
    [PROVISION_QUEUE, EXACT_QUEUED_UP_TO + 1],
  );
  const exact = Number(rows[0]?.n ?? 0);
  if (exact <= EXACT_QUEUED_UP_TO) return exact;
  const { rows: runs } = await pool.query<{ remaining: string | null }>(
    `select sum(greatest(0, r.total - (select count(*) from provisioning_history h where h.run_id = r.id and h.outcome = any($1::text[])))) as remaining
     from provisioning_runs r where r.finished_at is null`,
    [FINAL_OUTCOMES],
  );
  return Math.max(exact, Number(runs[0]?.remaining ?? 0));
}

export async function getEngineStatus(): Promise<EngineStatus> {
  const engine = getEngine();
  const [gate, counts, queued] = await Promise.all([engine.gate.read(), readCounts(), readQueued()]);
  const credentials = gate.credentials;
  const activeRun = await readActiveRun(credentials ? devicesPerMinute(credentials) : null, gate.paused);
  return {
    connected: credentials !== null,
    paused: gate.paused,
    dps: dpsHealthOf(gate),
    counts,
    activeRun,
    queued,
    registrationsPerMinute: credentials?.registrationsPerMinute ?? 0,
    operationsPerMinute: credentials?.operationsPerMinute ?? 0,
  };
}

/** DPS's health for the integration tile: the engine's shared view, at most a second old. */
export async function getDpsHealth(): Promise<DpsHealth> {
  return dpsHealthOf(await getEngine().gate.read());
}
