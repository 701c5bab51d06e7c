// Raw SQL: the plan. One page by keyset on a text key compared collate "C", spelt as the findings'
// indexes are, after the where clause each caller builds per filter.
import type pg from "pg";

type Queryable = Pick<pg.Pool, "query">;

/** A page's edge as it travels in a link: the key, opaque to the reader. */
export function encodeKeyCursor(key: string): string {
  return Buffer.from(JSON.stringify([key]), "utf8").toString("base64url");
}

/** The key a link names, or null (the first page) for a missing, mangled or outsized one. */
export function decodeKeyCursor(text: string | undefined, maxLength: number): string | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 1 &&
      typeof value[0] === "string" &&
      value[0].length <= maxLength &&
      !value[0].includes("\u0000")
    )
      return value[0];
  } catch {
    // a mangled link: the first page
  }
  return null;
}

/** Text for a `like` pattern, its wildcards taken literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type KeysetQuery<Row> = {
  /** `select <columns> from <table>`: the callers' own constants, never user input. */
  table: string;
  columns: string;
  /** The text column the page is ordered and cut by. */
  keyColumn: string;
  keyOf: (row: Row) => string;
  maxKeyLength: number;
  /** The filter's conditions and their values so far ($1… in order). */
  where: string[];
  values: unknown[];
  before?: string;
  after?: string;
  pageSize: number;
};

export type KeysetPage<Row> = { rows: Row[]; nextCursor: string | null; prevCursor: string | null };

/**
 * The page after `after` or before `before` (forward from the start when neither), with cursors to
 * the pages either side: a page deep in a million rows costs what the first one does.
 */
export async function keysetPage<Row extends pg.QueryResultRow>(
  db: Queryable,
  query: KeysetQuery<Row>,
): Promise<KeysetPage<Row>> {
  const { keyColumn, pageSize } = query;
  const before = decodeKeyCursor(query.before, query.maxKeyLength);
  const after = before === null ? decodeKeyCursor(query.after, query.maxKeyLength) : null;
  const forward = before === null;
  const values = [...query.values];
  const where = [...query.where];
  const cursor = before ?? after;
  if (cursor !== null) {
    values.push(cursor);
    where.push(`${keyColumn} collate "C" ${forward ? ">" : "<"} $${values.length} collate "C"`);
  }
  values.push(pageSize + 1);
  const { rows } = await db.query<Row>(
    `select ${query.columns} from ${query.table} where ${where.join(" and ")}
     order by ${keyColumn} collate "C" ${forward ? "asc" : "desc"} limit $${values.length}`,
    values,
  );
  const more = rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  if (!forward) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: (forward ? more : true) && last ? encodeKeyCursor(query.keyOf(last)) : null,
    prevCursor: (forward ? after !== null : more) && first ? encodeKeyCursor(query.keyOf(first)) : null,
  };
}
