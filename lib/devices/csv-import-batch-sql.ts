// Raw SQL: the batch. Each batch of rows is one unnest insert (conflicts skipped) in a transaction
// without a synchronous commit, a look-up of the rows it collided with, and its report chunk and
// counts one more statement. Raw on purpose: the hot path of a million-row import.
import type { PoolClient } from "pg";
import type { Actor } from "@/lib/audit/actor";
import type { PendingDevice } from "./csv-import-batch";
import type { ImportCounts } from "./csv-import-writer";

/** `ids` sorted ascending (each batch's ids are larger than the one before). */
function containsSorted(ids: number[], id: number): boolean {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = ids[mid]!;
    if (value === id) return true;
    if (value < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The batch's insert, built ahead so that it goes out the moment the batch before it has inserted. */
export type InsertStatement = { text: string; values: unknown[] } | null;

/** One statement and three array parameters for the whole batch (unnest), or null for no rows. */
export function insertStatement(rows: PendingDevice[], actor: Actor): InsertStatement {
  if (rows.length === 0) return null;
  return {
    text: `insert into devices (registration_id, name, payload, created_by_id, created_by_email)
     select r, n, p::jsonb, $4, $5 from unnest($1::text[], $2::text[], $3::text[]) as t(r, n, p)
     on conflict do nothing returning id, lower(registration_id) as key`,
    values: [
      rows.map((r) => r.registrationId),
      rows.map((r) => r.name),
      rows.map((r) => r.payload),
      actor?.id ?? null,
      actor?.email ?? "cli",
    ],
  };
}

/** Inserts the rows with `on conflict do nothing`; the ids of those inserted, by lower-cased registration ID. */
export async function insertRows(tx: PoolClient, statement: InsertStatement): Promise<Map<string, number>> {
  const inserted = new Map<string, number>();
  if (!statement) return inserted;
  const result = await tx.query<{ id: string; key: string }>(statement.text, statement.values);
  for (const r of result.rows) inserted.set(r.key, Number(r.id));
  return inserted;
}

/**
 * A row not inserted collides with a device that exists: one this import added (an earlier line of
 * the file, its id in `addedDeviceIds`) or one that was there before. The keys of the first kind.
 *
 * The insert waited for any uncommitted row it collided with (an earlier batch still finishing), so
 * the rows it collided with are committed and this statement sees them.
 */
export async function earlierInFileKeys(
  tx: PoolClient,
  rows: PendingDevice[],
  inserted: Map<string, number>,
  addedDeviceIds: number[],
): Promise<Set<string>> {
  const collided = rows.map((r) => r.registrationId.toLowerCase()).filter((key) => !inserted.has(key));
  const earlierInFile = new Set<string>();
  if (collided.length === 0) return earlierInFile;
  const existing = await tx.query<{ id: string; key: string }>(
    `select id, lower(registration_id) as key from devices where lower(registration_id) collate "C" = any($1::text[])`,
    [collided],
  );
  for (const r of existing.rows) if (containsSorted(addedDeviceIds, Number(r.id))) earlierInFile.add(r.key);
  return earlierInFile;
}

/** The batch's report chunk and the import's running counts, in one statement. */
export async function writeReportChunk(
  tx: PoolClient,
  importId: number,
  seq: number,
  csv: string,
  counts: ImportCounts,
): Promise<void> {
  await tx.query(
    `with chunk as (insert into device_import_report_chunks (import_id, seq, csv) values ($1, $2, $3))
     update device_imports set total = $4, added = $5, duplicates = $6, refused = $7 where id = $1`,
    [importId, seq, csv, counts.total, counts.added, counts.duplicates, counts.refused],
  );
}
