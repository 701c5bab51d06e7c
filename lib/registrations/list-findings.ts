// Raw SQL: the plan. The prefix search and keyset paging spell registration_key collate "C" exactly
// as the findings' index does, with the where clause built per filter.
import Papa from "papaparse";
import type pg from "pg";
import type { RegistrationRecordsFilter } from "@/lib/validation/registration-records";
import { neutralizeCell } from "@/lib/devices/csv-export";
import type { FindingKind } from "@/db/schema/registrations";
import { escapeLike, keysetPage, type KeysetList } from "@/lib/keyset-page";
import { FINDING_COLUMNS, type FindingDto } from "./finding-dto";

type Queryable = Pick<pg.Pool, "query">;

export const FINDINGS_PAGE_SIZE = 50;

/** The filter without paging, as the export takes it. */
export type FindingsQuery = Pick<RegistrationRecordsFilter, "finding"> &
  Partial<Pick<RegistrationRecordsFilter, "hub" | "q">>;

type Row = {
  registration_key: string;
  registration_id: string;
  kind: FindingKind;
  hub_differs: boolean;
  status_differs: boolean;
  device_id_differs: boolean;
  dps_status: string | null;
  dps_hub: string | null;
  dps_device_id: string | null;
  dps_updated_at: Date | null;
  device_pk: string | null;
  platform_status: string | null;
  platform_hub: string | null;
  platform_device_id: string | null;
};

function toDto(row: Row): FindingDto {
  return {
    registrationId: row.registration_id,
    kind: row.kind,
    differences: [
      ...(row.hub_differs ? ["hub" as const] : []),
      ...(row.status_differs ? ["status" as const] : []),
      ...(row.device_id_differs ? ["device-id" as const] : []),
    ],
    dpsStatus: row.dps_status,
    dpsHub: row.dps_hub,
    dpsDeviceId: row.dps_device_id,
    dpsUpdatedAt: row.dps_updated_at?.toISOString() ?? null,
    devicePk: row.device_pk === null ? null : Number(row.device_pk),
    platformStatus: row.platform_status,
    platformHub: row.platform_hub,
    platformDeviceId: row.platform_device_id,
  };
}

/**
 * The filter as SQL conditions, each one an index's leading columns after the run id
 * (kind, hub, or a partial index per difference), so every filter pages by key in index order.
 */
function conditions(runId: number, filter: FindingsQuery, values: unknown[]): string[] {
  values.push(runId);
  const where = [`run_id = $${values.length}`];
  switch (filter.finding) {
    case "orphan":
    case "never-registered":
    case "differs":
    case "agrees":
      values.push(filter.finding);
      where.push(`kind = $${values.length}`);
      break;
    case "hub":
      where.push("hub_differs");
      break;
    case "status":
      where.push("status_differs");
      break;
    case "device-id":
      where.push("device_id_differs");
      break;
    case "all":
      break;
  }
  if (filter.hub) {
    values.push(filter.hub);
    where.push(`hub = $${values.length}`);
  }
  if (filter.q) {
    values.push(`${escapeLike(filter.q.toLowerCase())}%`);
    where.push(`registration_key collate "C" like $${values.length}`);
  }
  return where;
}

const COLUMNS = `registration_key, registration_id, kind, hub_differs, status_differs, device_id_differs, dps_status, dps_hub, dps_device_id,
  dps_updated_at, device_pk, platform_status, platform_hub, platform_device_id`;

const FINDINGS: KeysetList<Row> = {
  table: "registration_findings",
  columns: COLUMNS,
  keyColumn: "registration_key",
  keyOf: (row) => row.registration_key,
  maxKeyLength: 200,
};

export type FindingsPage = { findings: FindingDto[]; nextCursor: string | null; prevCursor: string | null };

/** One page of a run's findings by keyset on the registration ID: a page deep in a million costs what the first one does. */
export async function listFindings(
  db: Queryable,
  runId: number,
  filter: RegistrationRecordsFilter,
  pageSize = FINDINGS_PAGE_SIZE,
): Promise<FindingsPage> {
  const values: unknown[] = [];
  const where = conditions(runId, filter, values);
  const page = await keysetPage(db, FINDINGS, { where, values }, filter, pageSize);
  return { findings: page.rows.map(toDto), nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

export async function findFinding(
  db: Queryable,
  runId: number,
  registrationId: string,
): Promise<(FindingDto & { dpsEtag: string | null }) | null> {
  const { rows } = await db.query<Row & { dps_etag: string | null }>(
    `select ${COLUMNS}, dps_etag from registration_findings where run_id = $1 and registration_key collate "C" = $2 collate "C"`,
    [runId, registrationId.toLowerCase()],
  );
  const row = rows[0];
  return row ? { ...toDto(row), dpsEtag: row.dps_etag } : null;
}

export const FINDINGS_CSV_HEADER = FINDING_COLUMNS.map((column) => column.csv);

/** The filter's findings as CSV, in keyset batches (flat memory at a million rows); every cell neutralised against formulas. */
export async function* exportFindingsCsv(
  db: Queryable,
  runId: number,
  filter: FindingsQuery,
  batchSize = 5000,
): AsyncGenerator<string> {
  yield Papa.unparse([FINDINGS_CSV_HEADER], { newline: "\r\n" }) + "\r\n";
  let after: string | null = null;
  for (;;) {
    const values: unknown[] = [];
    const where = conditions(runId, filter, values);
    if (after !== null) {
      values.push(after);
      where.push(`registration_key collate "C" > $${values.length} collate "C"`);
    }
    values.push(batchSize);
    const { rows } = await db.query<Row>(
      `select ${COLUMNS} from registration_findings where ${where.join(" and ")} order by registration_key collate "C" limit $${values.length}`,
      values,
    );
    if (rows.length === 0) return;
    after = rows.at(-1)!.registration_key;
    const cells = rows.map((row) => {
      const finding = toDto(row);
      return FINDING_COLUMNS.map((column) => neutralizeCell(column.value(finding)));
    });
    yield Papa.unparse(cells, { newline: "\r\n" }) + "\r\n";
    if (rows.length < batchSize) return;
  }
}
