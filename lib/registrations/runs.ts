import { desc, eq, ne, sql } from "drizzle-orm";
import { queryBuilder, type Queryable } from "@/db/query-builder";
import { registrationReconciliations as runs } from "@/db/schema/registrations";
import type { ReconciliationStatus } from "@/db/schema/registrations";
import { runBasicsDto, type RunBasicsDto, type RunRecordBasics } from "@/lib/run-dto";

type RunRecord = RunRecordBasics<ReconciliationStatus> & {
  enrollment_group_id: string;
  pages: number;
  records_seen: number;
  records: number | null;
  orphans: number | null;
  never_registered: number | null;
  hub_differs: number | null;
  status_differs: number | null;
  device_id_differs: number | null;
  agree: number | null;
  failure_kind: string | null;
};

/** A reconciliation as the view shows it. */
export type ReconciliationRunDto = RunBasicsDto<ReconciliationStatus> & {
  enrollmentGroupId: string;
  /** Progress while it runs. */
  pages: number;
  recordsSeen: number;
  counts: {
    records: number;
    orphans: number;
    neverRegistered: number;
    hubDiffers: number;
    statusDiffers: number;
    deviceIdDiffers: number;
    agree: number;
  } | null;
};

export function toRunDto(row: RunRecord): ReconciliationRunDto {
  return {
    ...runBasicsDto(row),
    enrollmentGroupId: row.enrollment_group_id,
    pages: row.pages,
    recordsSeen: row.records_seen,
    counts:
      row.status === "completed" && row.records !== null
        ? {
            records: row.records,
            orphans: row.orphans ?? 0,
            neverRegistered: row.never_registered ?? 0,
            hubDiffers: row.hub_differs ?? 0,
            statusDiffers: row.status_differs ?? 0,
            deviceIdDiffers: row.device_id_differs ?? 0,
            agree: row.agree ?? 0,
          }
        : null,
  };
}

const COLUMNS = {
  id: runs.id,
  status: runs.status,
  enrollment_group_id: runs.enrollmentGroupId,
  requested_by_email: runs.requestedByEmail,
  created_at: runs.createdAt,
  started_at: runs.startedAt,
  finished_at: runs.finishedAt,
  pages: runs.pages,
  records_seen: runs.recordsSeen,
  resumes: runs.resumes,
  records: runs.records,
  orphans: runs.orphans,
  never_registered: runs.neverRegistered,
  hub_differs: runs.hubDiffers,
  status_differs: runs.statusDiffers,
  device_id_differs: runs.deviceIdDiffers,
  agree: runs.agree,
  failure_kind: runs.failureKind,
  failure_message: runs.failureMessage,
};

/** The newest completed run (whose findings the view shows) and the run to report on beside it, if any. */
export async function latestRuns(
  db: Queryable,
): Promise<{ latest: RunRecord | null; current: RunRecord | null }> {
  const builder = queryBuilder(db);
  const rows: RunRecord[] = await builder
    .select(COLUMNS)
    .from(runs)
    .where(eq(runs.status, "completed"))
    .orderBy(sql`${runs.finishedAt} desc nulls last`)
    .limit(1)
    .unionAll(
      builder.select(COLUMNS).from(runs).where(ne(runs.status, "completed")).orderBy(desc(runs.id)).limit(1),
    );
  const latest = rows.find((row) => row.status === "completed") ?? null;
  const other = rows.find((row) => row.status !== "completed") ?? null;
  const current =
    other && (other.status !== "failed" || latest === null || other.id > latest.id) ? other : null;
  return { latest, current };
}
