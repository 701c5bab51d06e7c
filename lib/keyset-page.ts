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

/** A list paged by keyset: the callers' own constants, never user input. */
export type KeysetList<Row> = {
  /** `select <columns> from <table>` */
  table: string;
  columns: string;
  /** The text column the page is ordered and cut by. */
  keyColumn: string;
  keyOf: (row: Row) => string;
  /** A longer cursor is no key of this list: the first page. */
  maxKeyLength: number;
};

export type KeysetPage<Row> = { rows: Row[]; nextCursor: string | null; prevCursor: string | null };

/**
 * The page after `after` or before `before` (forward from the start when neither), with cursors to
 * the pages either side: a page deep in a million rows costs what the first one does.
 */
export async function keysetPage<Row extends pg.QueryResultRow>(
  db: Queryable,
  list: KeysetList<Row>,
  /** The filter's conditions and their values so far ($1… in order). */
  filter: { where: string[]; values: unknown[] },
  cursor: { before?: string; after?: string },
  pageSize: number,
): Promise<KeysetPage<Row>> {
  const { keyColumn } = list;
  const before = decodeKeyCursor(cursor.before, list.maxKeyLength);
  const after = before === null ? decodeKeyCursor(cursor.after, list.maxKeyLength) : null;
  const forward = before === null;
  const values = [...filter.values];
  const where = [...filter.where];
  const edge = before ?? after;
  if (edge !== null) {
    values.push(edge);
    where.push(`${keyColumn} collate "C" ${forward ? ">" : "<"} $${values.length} collate "C"`);
  }
  values.push(pageSize + 1);
  const { rows } = await db.query<Row>(
    `select ${list.columns} from ${list.table} where ${where.join(" and ")}
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
    nextCursor: (forward ? more : true) && last ? encodeKeyCursor(list.keyOf(last)) : null,
    prevCursor: (forward ? after !== null : more) && first ? encodeKeyCursor(list.keyOf(first)) : null,
  };
}
