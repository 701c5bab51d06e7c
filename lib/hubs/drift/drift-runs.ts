// Raw SQL: the plan (the newest completed run and the current one read in one union), on whichever pool or client the caller holds.
import type pg from "pg";
import type { HubDriftHubStatus, HubDriftRunStatus } from "@/db/schema/hub-drift";
import { runBasicsDto, type RunBasicsDto, type RunRecordBasics } from "@/lib/run-dto";

type Queryable = Pick<pg.Pool, "query">;

type RunRecord = RunRecordBasics<HubDriftRunStatus> & {
  identities_seen: number;
  missing: number | null;
  disabled: number | null;
  orphans: number | null;
  device_id_differs: number | null;
  stale: number | null;
  hubs: Array<{
    hub: string;
    status: HubDriftHubStatus;
    identities: number;
    pages: number;
    problem: string | null;
  }>;
};

export type DriftHubDto = {
  hubHost: string;
  status: HubDriftHubStatus;
  identities: number;
  pages: number;
  /** Why it was not read, or (while the run waits) what it waits for. */
  problem: string | null;
};

/** A hub drift run as the view shows it. */
export type HubDriftRunDto = RunBasicsDto<HubDriftRunStatus> & {
  identitiesSeen: number;
  hubs: DriftHubDto[];
  counts: {
    missing: number;
    disabled: number;
    orphans: number;
    deviceIdDiffers: number;
    stale: number;
  } | null;
};

function toRunDto(row: RunRecord): HubDriftRunDto {
  return {
    ...runBasicsDto(row),
    identitiesSeen: row.identities_seen,
    hubs: row.hubs.map((hub) => ({
      hubHost: hub.hub,
      status: hub.status,
      identities: hub.identities,
      pages: hub.pages,
      problem: hub.problem,
    })),
    counts:
      row.status === "completed"
        ? {
            missing: row.missing ?? 0,
            disabled: row.disabled ?? 0,
            orphans: row.orphans ?? 0,
            deviceIdDiffers: row.device_id_differs ?? 0,
            stale: row.stale ?? 0,
          }
        : null,
  };
}

const COLUMNS = `r.id::int as id, r.status, r.requested_by_email, r.created_at, r.started_at, r.finished_at, r.resumes, r.identities_seen,
  r.missing, r.disabled, r.orphans, r.device_id_differs, r.stale, r.failure_message,
  coalesce((select json_agg(json_build_object('hub', h.hub_host, 'status', h.status, 'identities', h.identities, 'pages', h.pages,
    'problem', h.problem) order by h.hub_host) from hub_drift_run_hubs h where h.run_id = r.id), '[]') as hubs`;

/** The newest completed run (whose findings the view shows) and the run to report on beside it, if any. */
export async function latestDriftRuns(
  db: Queryable,
): Promise<{ latest: HubDriftRunDto | null; current: HubDriftRunDto | null }> {
  const { rows } = await db.query<RunRecord>(
    `(select ${COLUMNS} from hub_drift_runs r where r.status = 'completed' order by r.finished_at desc nulls last limit 1)
     union all
     (select ${COLUMNS} from hub_drift_runs r where r.status <> 'completed' order by r.id desc limit 1)`,
  );
  const latest = rows.find((row) => row.status === "completed") ?? null;
  const other = rows.find((row) => row.status !== "completed") ?? null;
  const current =
    other && (other.status !== "failed" || latest === null || other.id > latest.id) ? other : null;
  return { latest: latest ? toRunDto(latest) : null, current: current ? toRunDto(current) : null };
}

/** The id of the newest completed run, cheaply (the findings' queries need only that). */
export async function latestCompletedDriftRunId(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `select id::int as id from hub_drift_runs where status = 'completed' order by finished_at desc nulls last limit 1`,
  );
  return rows[0]?.id ?? null;
}
