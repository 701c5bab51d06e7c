// Raw SQL: the plan (a run's findings filtered by ranges of the sort key's index, paged by lib/keyset-page.ts).
import type pg from "pg";
import type { HubDriftKind } from "@/db/schema/hub-drift";
import type { HubDriftFilter } from "@/lib/validation/hub-drift";
import { escapeLike, keysetPage, type KeysetList } from "@/lib/keyset-page";
import type { DriftFindingDto } from "./drift-finding-dto";

type Queryable = Pick<pg.Pool, "query">;

export const DRIFT_FINDINGS_PAGE_SIZE = 50;

type Row = {
  sort_key: string;
  kind: HubDriftKind;
  hub_host: string;
  device_id: string;
  registration_id: string | null;
  device_pk: string | null;
  platform_hub: string | null;
  dps_hub: string | null;
  identity_status: string | null;
  status_reason: string | null;
  identity_etag: string | null;
  last_activity_at: Date | null;
};

function toDto(row: Row): DriftFindingDto {
  return {
    key: row.sort_key,
    kind: row.kind,
    hubHost: row.hub_host,
    deviceId: row.device_id,
    registrationId: row.registration_id,
    devicePk: row.device_pk === null ? null : Number(row.device_pk),
    platformHub: row.platform_hub,
    dpsHub: row.dps_hub,
    identityStatus: row.identity_status,
    statusReason: row.status_reason,
    lastActivityAt: row.last_activity_at?.toISOString() ?? null,
  };
}

const COLUMNS = `sort_key, kind, hub_host, device_id, registration_id, device_pk, platform_hub, dps_hub, identity_status, status_reason,
  identity_etag, last_activity_at`;

const DRIFT_FINDINGS: KeysetList<Row> = {
  table: "hub_drift_findings",
  columns: COLUMNS,
  keyColumn: "sort_key",
  keyOf: (row) => row.sort_key,
  maxKeyLength: 450,
};

export type DriftFindingsPage = {
  findings: DriftFindingDto[];
  nextCursor: string | null;
  prevCursor: string | null;
};

/**
 * One page of a run's findings by keyset on (hub, device, case): the sort key leads with the hub, so
 * the hub filter and "starts with" on the device ID are ranges of the same index.
 */
export async function listDriftFindings(
  db: Queryable,
  runId: number,
  filter: HubDriftFilter,
  pageSize = DRIFT_FINDINGS_PAGE_SIZE,
): Promise<DriftFindingsPage> {
  const values: unknown[] = [runId];
  const where = ["run_id = $1"];
  if (filter.finding !== "all") {
    values.push(filter.finding);
    where.push(`kind = $${values.length}`);
  }
  if (filter.hub) {
    values.push(
      `${escapeLike(filter.hub.toLowerCase())}/${filter.q ? escapeLike(filter.q.toLowerCase()) : ""}%`,
    );
    where.push(`sort_key collate "C" like $${values.length}`);
  } else if (filter.q) {
    values.push(escapeLike(filter.q.toLowerCase()) + "%");
    where.push(`lower(device_id) collate "C" like $${values.length}`);
  }
  const page = await keysetPage(db, DRIFT_FINDINGS, { where, values }, filter, pageSize);
  return { findings: page.rows.map(toDto), nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

/** The latest run's orphan finding for this identity, with the etag the run read, or null. */
export async function findOrphanIdentity(
  db: Queryable,
  runId: number,
  hubHost: string,
  deviceId: string,
): Promise<(DriftFindingDto & { etag: string | null }) | null> {
  const { rows } = await db.query<Row>(
    `select ${COLUMNS} from hub_drift_findings where run_id = $1 and sort_key collate "C" = $2 collate "C"`,
    [runId, `${hubHost.toLowerCase()}/${deviceId.toLowerCase()}#orphan`],
  );
  const row = rows[0];
  return row ? { ...toDto(row), etag: row.identity_etag } : null;
}
