import { sql, type SQL } from "drizzle-orm";
import type { DeviceSort } from "@/lib/validation/device";

/** Where a page ends: the sort key as text, and the device id that breaks ties. */
export type Cursor = [key: string, id: number];

type SortKey = {
  /** The key as the devices indexes hold it. */
  expr: SQL;
  /** The key as it travels in a cursor. */
  text: SQL;
  /** The same, from a derived table's `sk` column. */
  textOfColumn: SQL;
  /** The cursor's key back in the key's type. */
  fromText: (key: string) => SQL;
  desc: boolean;
  /** Unique keys need no id to break ties. */
  unique: boolean;
};

const REGISTRATION_KEY = sql`lower(devices.registration_id) collate "C"`;

/**
 * Each order's key, written exactly as the devices indexes are, so that one index serves filter
 * and order together: registration IDs compare lower-cased in the "C" collation, and the
 * last-updated order breaks ties by id. Timestamps travel as Postgres text, which keeps the
 * microseconds a JS Date would drop.
 */
const SORT_KEYS: Record<DeviceSort, SortKey> = {
  registrationId: {
    expr: REGISTRATION_KEY,
    text: sql`lower(devices.registration_id)`,
    textOfColumn: sql`sk`,
    fromText: (k) => sql`(${k} collate "C")`,
    desc: false,
    unique: true,
  },
  "-registrationId": {
    expr: REGISTRATION_KEY,
    text: sql`lower(devices.registration_id)`,
    textOfColumn: sql`sk`,
    fromText: (k) => sql`(${k} collate "C")`,
    desc: true,
    unique: true,
  },
  updated: {
    expr: sql`devices.updated_at`,
    text: sql`devices.updated_at::text`,
    textOfColumn: sql`sk::text`,
    fromText: (k) => sql`${k}::timestamptz`,
    desc: false,
    unique: false,
  },
  "-updated": {
    expr: sql`devices.updated_at`,
    text: sql`devices.updated_at::text`,
    textOfColumn: sql`sk::text`,
    fromText: (k) => sql`${k}::timestamptz`,
    desc: true,
    unique: false,
  },
};

export function sortKey(sort: DeviceSort): SortKey {
  return SORT_KEYS[sort];
}

/** Walking forward through an ascending order (or back through a descending one) runs ascending. */
export function isAscending(sort: DeviceSort, forward: boolean): boolean {
  return SORT_KEYS[sort].desc !== forward;
}

/** Devices strictly past a position (a key in the key's type, and an id) in the walking direction. */
export function pastPosition(sort: DeviceSort, position: { key: SQL; id: SQL }, forward: boolean): SQL {
  const key = SORT_KEYS[sort];
  const op = isAscending(sort, forward) ? sql`>` : sql`<`;
  if (key.unique) return sql`${key.expr} ${op} ${position.key}`;
  return sql`(${key.expr}, devices.id) ${op} (${position.key}, ${position.id})`;
}

/** The same over a derived table's `sk` and `id` columns. */
export function pastPositionOnColumns(
  sort: DeviceSort,
  position: { key: SQL; id: SQL },
  forward: boolean,
): SQL {
  const op = isAscending(sort, forward) ? sql`>` : sql`<`;
  return SORT_KEYS[sort].unique
    ? sql`sk ${op} ${position.key}`
    : sql`(sk, id) ${op} (${position.key}, ${position.id})`;
}

/** Devices strictly past `cursor` in the walking direction. */
export function pastCursor(sort: DeviceSort, cursor: Cursor, forward: boolean): SQL {
  return pastPosition(sort, { key: SORT_KEYS[sort].fromText(cursor[0]), id: sql`${cursor[1]}` }, forward);
}

/** ORDER BY over the devices table itself. */
export function orderOnTable(sort: DeviceSort, forward: boolean): SQL {
  const key = SORT_KEYS[sort];
  const dir = isAscending(sort, forward) ? sql`asc` : sql`desc`;
  return key.unique ? sql`${key.expr} ${dir}` : sql`${key.expr} ${dir}, devices.id ${dir}`;
}

/**
 * ORDER BY over a derived table whose columns are `sk` (the key) and `id`. Naming the key as a
 * column lets Postgres carry an inner index order through to outer levels instead of sorting again.
 */
export function orderOnColumns(sort: DeviceSort, forward: boolean): SQL {
  const dir = isAscending(sort, forward) ? sql`asc` : sql`desc`;
  return SORT_KEYS[sort].unique ? sql`sk ${dir}` : sql`sk ${dir}, id ${dir}`;
}

const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** Postgres reads a UTC offset of at most 15:59:59 (outside it: "time zone displacement out of range"). */
const MAX_OFFSET_HOURS = 15;

/**
 * Whether a cursor could have come from this order. Cursors arrive in URLs, so anything is
 * possible; a key Postgres would refuse to read must show the first page, not an error.
 */
export function cursorFits(sort: DeviceSort, cursor: Cursor): boolean {
  if (cursor[0].includes("\u0000")) return false;
  if (SORT_KEYS[sort].unique) return true;
  const m = TIMESTAMP_TEXT.exec(cursor[0]);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes, offsetSeconds] = m
    .slice(1, 10)
    .map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  return (
    year >= 1 &&
    offsetHours <= MAX_OFFSET_HOURS &&
    offsetMinutes < 60 &&
    offsetSeconds < 60 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}
