// Raw SQL: the batch. Each batch of rows is one unnest insert (plain, or skipping conflicts once one
// collided) in a transaction without a synchronous commit, a look-up of the rows it collided with,
// and its report chunk and counts one more statement. Raw on purpose: the hot path of a million-row
// import.
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
export type InsertStatement = { values: unknown[]; rows: number } | null;

/** The savepoint a batch's transaction sets before a plain insert, to try again if the insert collides. */
export const BEFORE_INSERT = "before_insert";

/**
 * Separates a batch's values in its three text parameters. No value holds it: registration IDs are
 * letters, digits and `-._:`, names refuse control characters, and JSON.stringify escapes them.
 * One joined string per column instead of a `text[]`: node-postgres quotes and escapes every element
 * of an array parameter, two thousand strings of garbage per column and batch.
 */
const SEPARATOR = "\u001f";

const ROWS = `select r, n, p::jsonb, $4, $5 from unnest(
     string_to_array($1, E'\\x1f'), string_to_array($2, E'\\x1f', ''), string_to_array($3, E'\\x1f', '')
   ) as t(r, n, p)`;
const COLUMNS = "devices (registration_id, name, payload, created_by_id, created_by_email)";

/**
 * A plain insert: every row went in, or it failed. Its ids come back as a range when they are
 * consecutive (nothing else inserted devices meanwhile), else as a list: no row per device.
 */
const PLAIN_INSERT = `with added as (insert into ${COLUMNS} ${ROWS} returning id),
   span as (select min(id) as first, max(id) as last, count(*) as n from added)
   select first, last, case when last - first + 1 = n then null
     else (select array_agg(id order by id) from added) end as ids
   from span`;

/** An insert that skips rows whose registration ID exists: which rows went in, by lower-cased registration ID. */
const SKIPPING_INSERT = `insert into ${COLUMNS} ${ROWS}
   on conflict do nothing returning id, lower(registration_id) as key`;

function joined(values: (string | null)[]): string {
  let text = "";
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? "";
    // Validation keeps it out; a value holding it would shift every column after it.
    if (value.includes(SEPARATOR)) throw new Error("An import value holds the column separator.");
    text += i === 0 ? value : SEPARATOR + value;
  }
  return text;
}

/** Three text parameters for the whole batch (split by `string_to_array`, unnested), or null for no rows. */
export function insertStatement(rows: PendingDevice[], actor: Actor): InsertStatement {
  if (rows.length === 0) return null;
  return {
    values: [
      joined(rows.map((r) => r.registrationId)),
      joined(rows.map((r) => r.name)),
      joined(rows.map((r) => r.payload)),
      actor?.id ?? null,
      actor?.email ?? "cli",
    ],
    rows: rows.length,
  };
}

/** What a batch's insert added: every row, or those named in `inserted`; ids ascending. */
export type Inserted =
  { all: true; ids: number[] } | { all: false; ids: number[]; byKey: Map<string, number> };

const isRegistrationIdCollision = (error: unknown) =>
  (error as { code?: string })?.code === "23505" &&
  (error as { constraint?: string }).constraint === "devices_registration_id_idx";

async function insertPlain(tx: PoolClient, statement: NonNullable<InsertStatement>): Promise<Inserted> {
  const { rows } = await tx.query<{ first: string; last: string; ids: string[] | null }>(
    PLAIN_INSERT,
    statement.values,
  );
  const { first, last, ids } = rows[0]!;
  if (ids) return { all: true, ids: ids.map(Number) };
  const range: number[] = [];
  for (let id = Number(first); id <= Number(last); id++) range.push(id);
  return { all: true, ids: range };
}

async function insertSkipping(tx: PoolClient, statement: NonNullable<InsertStatement>): Promise<Inserted> {
  const result = await tx.query<{ id: string; key: string }>(SKIPPING_INSERT, statement.values);
  const byKey = new Map<string, number>();
  for (const r of result.rows) byKey.set(r.key, Number(r.id));
  const ids = [...byKey.values()].sort((a, b) => a - b);
  return byKey.size === statement.rows ? { all: true, ids } : { all: false, ids, byKey };
}

/**
 * Inserts the rows, skipping those whose registration ID exists; what went in, and whether any row
 * collided.
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
): Promise<{ inserted: Inserted; collided: boolean }> {
  if (!statement) return { inserted: { all: true, ids: [] }, collided: false };
  if (plainFirst) {
    try {
      return { inserted: await insertPlain(tx, statement), collided: false };
    } catch (error) {
      if (!isRegistrationIdCollision(error)) throw error;
      await tx.query(`rollback to savepoint ${BEFORE_INSERT}`);
      return { inserted: await insertSkipping(tx, statement), collided: true };
    }
  }
  const inserted = await insertSkipping(tx, statement);
  return { inserted, collided: !inserted.all };
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
  inserted: Inserted,
  addedDeviceIds: number[],
): Promise<Set<string>> {
  const earlierInFile = new Set<string>();
  if (inserted.all) return earlierInFile;
  const { byKey } = inserted;
  const collided = rows.map((r) => r.registrationId.toLowerCase()).filter((key) => !byKey.has(key));
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
