// Raw SQL: the batch. Each batch of rows is one unnest insert (plain, or skipping conflicts once one
// collided) in a transaction without a synchronous commit, a look-up of the rows it collided with,
// and its report chunk and counts one more statement. Raw on purpose: the hot path of a million-row
// import.
import type { PoolClient, QueryResult } from "pg";
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
export type InsertStatement = { values: unknown[]; rows: number } | null;

/** The savepoint a batch's transaction sets before a plain insert, to try again if the insert collides. */
export const BEFORE_INSERT = "before_insert";

const insertText = (skipCollisions: boolean) =>
  `insert into devices (registration_id, name, payload, created_by_id, created_by_email)
   select r, n, p::jsonb, $4, $5 from unnest($1::text[], $2::text[], $3::text[]) as t(r, n, p)
   ${skipCollisions ? "on conflict do nothing " : ""}returning id, lower(registration_id) as key`;

/** Three array parameters for the whole batch (unnest), or null for no rows. */
export function insertStatement(rows: PendingDevice[], actor: Actor): InsertStatement {
  if (rows.length === 0) return null;
  return {
    values: [
      rows.map((r) => r.registrationId),
      rows.map((r) => r.name),
      rows.map((r) => r.payload),
      actor?.id ?? null,
      actor?.email ?? "cli",
    ],
    rows: rows.length,
  };
}

const isRegistrationIdCollision = (error: unknown) =>
  (error as { code?: string })?.code === "23505" &&
  (error as { constraint?: string }).constraint === "devices_registration_id_idx";

/**
 * Inserts the rows, skipping those whose registration ID exists; the ids of those inserted, by
 * lower-cased registration ID, and whether any collided.
 *
 * `on conflict do nothing` costs PostgreSQL a sixth more per row than a plain insert (it checks
 * the unique index before each row and inserts speculatively), and a fresh import collides with
 * nothing. So with `plainFirst` (the transaction set savepoint `BEFORE_INSERT`) the batch goes in
 * as a plain insert, and only if a row collides is it rolled back to the savepoint and sent again
 * skipping collisions. The caller stops trying plain inserts once one has collided: a file that
 * repeats devices would otherwise pay for each batch twice.
 */
export async function insertRows(
  tx: PoolClient,
  statement: InsertStatement,
  plainFirst: boolean,
): Promise<{ inserted: Map<string, number>; collided: boolean }> {
  const inserted = new Map<string, number>();
  if (!statement) return { inserted, collided: false };
  let collided = false;
  let result: QueryResult<{ id: string; key: string }> | null = null;
  if (plainFirst) {
    try {
      result = await tx.query<{ id: string; key: string }>(insertText(false), statement.values);
    } catch (error) {
      if (!isRegistrationIdCollision(error)) throw error;
      await tx.query(`rollback to savepoint ${BEFORE_INSERT}`);
      collided = true;
    }
  }
  result ??= await tx.query<{ id: string; key: string }>(insertText(true), statement.values);
  for (const r of result.rows) inserted.set(r.key, Number(r.id));
  return { inserted, collided: collided || inserted.size < statement.rows };
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
