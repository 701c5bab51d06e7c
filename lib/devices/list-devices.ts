import { inArray, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { devices, type DeviceRow } from "@/db/schema";
import type { DeviceFilter } from "@/lib/validation/device";
import { toDeviceDto, type DeviceDto } from "./device-dto";
import { cursorFits, orderOnTable, pastCursor, sortKey, type Cursor } from "./device-sort";
import { prefixRange } from "./prefix-range";
import { nameMatches, registrationIdMatches, searchDevices, type KeyedId } from "./prefix-search";

export const DEVICES_PAGE_SIZE = 50;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/**
 * The position in a tampered or stale link is only a hint: anything that is not a cursor a page
 * could have written (wrong shape, a negative id, an absurdly long key) shows the first page;
 * `cursorFits` then checks the key against the sort order.
 */
export function decodeCursor(text: string | undefined): Cursor | null {
  if (!text || text.length > 1_000) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      value[0].length <= 300 &&
      Number.isSafeInteger(value[1]) &&
      (value[1] as number) >= 0
    ) {
      return value as Cursor;
    }
  } catch {
    // a mangled link: show the first page
  }
  return null;
}

/** The search text as a lower-case prefix; null when nothing can match (text never holds NUL). */
function searchPrefix(q: string) {
  return q.includes("\u0000") ? null : prefixRange(q.toLowerCase());
}

/**
 * status and hub conditions, written as the devices indexes lead with them. "No hub" is the empty
 * hub in those indexes (as in device_counts), so that it is an equality and the index order holds.
 */
function exactFilters(filter: Partial<Pick<DeviceFilter, "status" | "hubStatus" | "hub">>): SQL[] {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(sql`devices.status = ${filter.status}`);
  if (filter.hubStatus) conditions.push(sql`devices.hub_status = ${filter.hubStatus}`);
  if (filter.hub)
    conditions.push(sql`coalesce(devices.assigned_hub, '') = ${filter.hub === "(none)" ? "" : filter.hub}`);
  return conditions;
}

/** Every filter of the devices page as SQL conditions (the CSV export uses them too). */
export function filterConditions(
  filter: Partial<Pick<DeviceFilter, "status" | "hubStatus" | "hub" | "q">>,
): SQL[] {
  const conditions = exactFilters(filter);
  if (filter.q) {
    const prefix = searchPrefix(filter.q);
    conditions.push(prefix ? sql`(${registrationIdMatches(prefix)} or ${nameMatches(prefix)})` : sql`false`);
  }
  return conditions;
}

export type DevicePage = { devices: DeviceDto[]; nextCursor: string | null; prevCursor: string | null };

/** Without a search, one index (see the devices indexes) serves the filters and the order: one ordered range scan. */
async function listKeys(
  filter: DeviceFilter,
  forward: boolean,
  cursor: Cursor | null,
  limit: number,
): Promise<{ row: DeviceRow; key: string }[]> {
  const conditions = exactFilters(filter);
  if (cursor) conditions.push(pastCursor(filter.sort, cursor, forward));
  return getDb()
    .select({ row: devices, key: sql<string>`${sortKey(filter.sort).text}` })
    .from(devices)
    .where(conditions.length ? sql.join(conditions, sql` and `) : undefined)
    .orderBy(orderOnTable(filter.sort, forward))
    .limit(limit);
}

async function withRows(keys: KeyedId[]): Promise<{ row: DeviceRow; key: string }[]> {
  if (keys.length === 0) return [];
  const rows = await getDb()
    .select()
    .from(devices)
    .where(
      inArray(
        devices.id,
        keys.map((k) => k.id),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A device removed since its key was read is simply not on the page.
  return keys.flatMap((k) => {
    const row = byId.get(k.id);
    return row ? [{ row, key: k.key }] : [];
  });
}

/** One page of devices by keyset: a page deep in the list costs what the first one does. */
export async function listDevices(
  filter: DeviceFilter,
  pageSize = DEVICES_PAGE_SIZE,
  options: { probeRows?: number } = {},
): Promise<DevicePage> {
  const fits = (c: Cursor | null) => (c && cursorFits(filter.sort, c) ? c : null);
  const before = fits(decodeCursor(filter.before));
  const after = before ? null : fits(decodeCursor(filter.after));
  const forward = !before;
  const cursor = before ?? after;
  const limit = pageSize + 1;

  let rows: { row: DeviceRow; key: string }[];
  if (filter.q) {
    const prefix = searchPrefix(filter.q);
    rows = prefix
      ? await withRows(
          await searchDevices({
            sort: filter.sort,
            forward,
            cursor,
            filters: exactFilters(filter),
            prefix,
            limit,
            probeRows: options.probeRows,
          }),
        )
      : [];
  } else {
    rows = await listKeys(filter, forward, cursor, limit);
  }
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
