import { sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { devices } from "@/db/schema";
import type { DeviceFilter, DeviceSort } from "@/lib/validation/device";
import { toDeviceDto, type DeviceDto } from "./device-dto";

export const DEVICES_PAGE_SIZE = 50;

type Cursor = [key: string, id: number];

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

// Postgres's text form of a timestamptz, as the cursor carries it (ORDERS.keyText below).
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(?::?\d{2})?)?$/;

/** A timestamp Postgres will read back: the right shape, and a date that exists (no 31 February). */
export function isTimestampText(text: string): boolean {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

/**
 * The position in a tampered or stale link is only a hint: anything that is not a cursor this
 * page could have written for `sort` (wrong shape, NUL bytes Postgres cannot store, a date key
 * that is no date) shows the first page instead of failing.
 */
export function decodeCursor(text: string | undefined, sort: DeviceSort = "registrationId"): Cursor | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" || !Number.isSafeInteger(value[1]) || (value[1] as number) < 0) return null;
    const [key] = value as Cursor;
    if (key.length > 300 || key.includes("\u0000")) return null;
    if (!ORDERS[sort].unique && !isTimestampText(key)) return null;
    return value as Cursor;
  } catch {
    // a mangled link: show the first page
  }
  return null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The sort key of each order, written so that one index serves filter and order together
 * (see the devices indexes): registration IDs compare lower-cased in the "C" collation, and the
 * last-updated order breaks ties by id. Timestamps travel in cursors as Postgres text, which
 * keeps the microseconds a JS Date would drop.
 */
const ORDERS: Record<DeviceSort, { key: SQL; keyText: SQL; desc: boolean; unique: boolean }> = {
  registrationId: { key: sql`lower(devices.registration_id) collate "C"`, keyText: sql`lower(devices.registration_id)`, desc: false, unique: true },
  "-registrationId": { key: sql`lower(devices.registration_id) collate "C"`, keyText: sql`lower(devices.registration_id)`, desc: true, unique: true },
  updated: { key: sql`devices.updated_at`, keyText: sql`devices.updated_at::text`, desc: false, unique: false },
  "-updated": { key: sql`devices.updated_at`, keyText: sql`devices.updated_at::text`, desc: true, unique: false },
};

function cursorCondition(sort: DeviceSort, cursor: Cursor, forward: boolean): SQL {
  const order = ORDERS[sort];
  // Forward through an ascending order (or back through a descending one) means "greater than".
  const op = order.desc !== forward ? sql`>` : sql`<`;
  if (order.unique) return sql`${order.key} ${op} (${cursor[0]} collate "C")`;
  return sql`(${order.key}, devices.id) ${op} (${cursor[0]}::timestamptz, ${cursor[1]})`;
}

function orderBy(sort: DeviceSort, forward: boolean): SQL {
  const order = ORDERS[sort];
  const desc = order.desc === forward;
  const dir = desc ? sql`desc` : sql`asc`;
  return order.unique ? sql`${order.key} ${dir}` : sql`${order.key} ${dir}, devices.id ${dir}`;
}

export function filterConditions(filter: Partial<Pick<DeviceFilter, "status" | "hub" | "q">>): SQL[] {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(sql`status = ${filter.status}`);
  if (filter.hub) conditions.push(filter.hub === "(none)" ? sql`assigned_hub is null` : sql`assigned_hub = ${filter.hub}`);
  if (filter.q) {
    const pattern = `${escapeLike(filter.q.toLowerCase())}%`;
    conditions.push(sql`(lower(registration_id) collate "C" like ${pattern} or lower(name) collate "C" like ${pattern})`);
  }
  return conditions;
}

export type DevicePage = { devices: DeviceDto[]; nextCursor: string | null; prevCursor: string | null };

/** One page of devices by keyset: a page deep in the list costs what the first one does. */
export async function listDevices(filter: DeviceFilter, pageSize = DEVICES_PAGE_SIZE): Promise<DevicePage> {
  const before = decodeCursor(filter.before, filter.sort);
  const after = before ? null : decodeCursor(filter.after, filter.sort);
  const forward = !before;
  const conditions = filterConditions(filter);
  const cursor = before ?? after;
  if (cursor) conditions.push(cursorCondition(filter.sort, cursor, forward));
  const order = ORDERS[filter.sort];

  const rows = await getDb()
    .select({ row: devices, key: sql<string>`${order.keyText}` })
    .from(devices)
    .where(conditions.length ? sql.join(conditions, sql` and `) : undefined)
    .orderBy(orderBy(filter.sort, forward))
    .limit(pageSize + 1);
  const more = rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  if (!forward) page.reverse();

  const first = page[0];
  const last = page.at(-1);
  const hasNext = forward ? more : true;
  const hasPrev = forward ? Boolean(after) : more;
  return {
    devices: page.map((p) => toDeviceDto(p.row)),
    nextCursor: hasNext && last ? encodeCursor([last.key, last.row.id]) : null,
    prevCursor: hasPrev && first ? encodeCursor([first.key, first.row.id]) : null,
  };
}
