import { sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/database";
import type { DeviceSort } from "@/lib/validation/device";
import {
  isAscending,
  orderOnColumns,
  orderOnTable,
  pastCursor,
  pastPosition,
  sortKey,
  type Cursor,
} from "./device-sort";
import type { PrefixRange } from "./prefix-range";

/**
 * How many rows, in the page's order, a search looks at before it stops hoping that matches lie
 * close by and fetches them by prefix instead.
 */
const SEARCH_PROBE_ROWS = 1000;

export type KeyedId = { id: number; key: string };

type Search = {
  sort: DeviceSort;
  forward: boolean;
  cursor: Cursor | null;
  /** status / hub conditions, written the way the devices indexes lead with them */
  filters: SQL[];
  prefix: PrefixRange;
  limit: number;
  /** SEARCH_PROBE_ROWS unless a test wants both paths on a small table */
  probeRows?: number;
};

function inRange(expr: SQL, range: PrefixRange): SQL {
  return range.to === null
    ? sql`${expr} >= ${range.from}`
    : sql`(${expr} >= ${range.from} and ${expr} < ${range.to})`;
}

const REGISTRATION_ID_KEY = sql`lower(devices.registration_id) collate "C"`;
const NAME_KEY = sql`lower(devices.name) collate "C"`;

export const registrationIdMatches = (range: PrefixRange) => inRange(REGISTRATION_ID_KEY, range);
/** Says `name is not null`, as the (partial) name index does, so that any server version may use that index. */
export const nameMatches = (range: PrefixRange) =>
  sql`(devices.name is not null and ${inRange(NAME_KEY, range)})`;

const where = (conditions: SQL[]) => (conditions.length ? sql.join(conditions, sql` and `) : sql`true`);

/** The columns every branch selects: `id` and `sk` (the sort key); the key's text for cursors is made for the page's rows only. */
function keyColumns(sort: DeviceSort): SQL {
  return sql`devices.id as id, ${sortKey(sort).expr} as sk`;
}

/**
 * The first `limit` devices after the cursor, in the page's order, whose registration ID or name
 * starts with the prefix: ids and cursor keys, in walking order.
 *
 * One index scan in the page's order finds dense matches at once, but where matches are rare
 * or lie far from the cursor it would read the table up to its end (a "dev-0077" search
 * ordered by registration ID read 770,000 rows before its first match). So the scan is capped:
 *
 * 1. probe: read at most SEARCH_PROBE_ROWS devices past the cursor in the page's order (through
 *    the index that serves the filters and the order) and keep the matches.
 * 2. sweep, only if the probe came up short: beyond the last probed row (the "edge"), take the
 *    matches from the prefix ranges themselves: the registration-ID range in index order (when
 *    ordered by registration ID it needs no sort) or sorted, and the name range, sorted, from
 *    the indexes alone; each limited, and merged.
 *
 * A page therefore reads at most SEARCH_PROBE_ROWS rows plus, when the probe comes up short, the
 * matching entries of the name range (and, for the last-updated orders, of the registration-ID
 * range); a sweep happens only when matches are sparser than limit / SEARCH_PROBE_ROWS around
 * the cursor. One statement does both, so the page sees one snapshot and waits for one reply.
 */
export async function searchDevices(search: Search): Promise<KeyedId[]> {
  const { sort, forward, cursor, filters, prefix, limit, probeRows = SEARCH_PROBE_ROWS } = search;
  const order = orderOnColumns(sort, forward);
  const matches = sql`(${registrationIdMatches(prefix)} or ${nameMatches(prefix)})`;
  const scanned = [...filters, ...(cursor ? [pastCursor(sort, cursor, forward)] : [])];

  // Only with an edge (the probe read all its rows and found too few) do the branches run: the
  // EXISTS is a one-time test, so otherwise Postgres does not even start their scans.
  const edge = { key: sql`(select sk from edge)`, id: sql`(select id from edge)` };
  const gate = sql`exists (select from edge)`;
  const byRegistrationId = sortKey(sort).unique
    ? // The registration-ID range in the registration-ID order: an ordered index range scan.
      sql`(select ${keyColumns(sort)} from devices where ${where([...filters, registrationIdMatches(prefix), pastPosition(sort, edge, forward), gate])} order by ${order} limit ${limit})`
    : sortedBranch({ sort, forward, index: REGISTRATION_ID_RANGE, prefix, filters, gate, edge, limit });
  const byName = sortedBranch({ sort, forward, index: NAME_RANGE, prefix, filters, gate, edge, limit });

  const { rows } = await getDb().execute<{ id: string; key: string }>(sql`
    with probe as materialized (
      select id, sk, hit, rn from (
        select id, sk, hit, row_number() over (order by ${order}) as rn from (
          select ${keyColumns(sort)}, ${matches} as hit
          from devices where ${where(scanned)}
          order by ${orderOnTable(sort, forward)} limit ${probeRows}
        ) scanned
      ) numbered
      -- row number probeRows marks where the probe stopped
      where hit or rn = ${probeRows}
      order by ${order}
      limit ${limit}
    ),
    edge as materialized (
      select sk, id from probe where rn = ${probeRows} and (select count(*) from probe where hit) < ${limit}
    )
    -- UNION, not UNION ALL: a device whose registration ID and name both match comes from both branches
    select id, ${sortKey(sort).textOfColumn} as key from (
      select id, sk from probe where hit
      union ${byRegistrationId}
      union ${byName}
    ) picked
    order by ${order}
    limit ${limit}`);
  return rows.map((r) => ({ id: Number(r.id), key: r.key }));
}

/**
 * A prefix range and the index that holds it: the name index leads with the status (so that a
 * status filter reads only its own devices; without one, Postgres skips from status to status).
 */
type RangeIndex = { column: SQL; group: SQL | null; predicate: SQL | null };
const REGISTRATION_ID_RANGE: RangeIndex = { column: REGISTRATION_ID_KEY, group: null, predicate: null };
// The name index holds named devices only. The query states that condition itself, so that no
// server version has to infer it from the range on lower(name) (PostgreSQL 18 does, checked with
// EXPLAIN; older planners are not relied on).
const NAME_RANGE: RangeIndex = {
  column: NAME_KEY,
  group: sql`devices.status`,
  predicate: sql`devices.name is not null`,
};

type Branch = {
  sort: DeviceSort;
  forward: boolean;
  index: RangeIndex;
  prefix: PrefixRange;
  filters: SQL[];
  gate: SQL;
  edge: { key: SQL; id: SQL };
  limit: number;
};

/**
 * All matches of a prefix range past the edge, sorted. The range is read in its index's order
 * (so Postgres cannot choose to walk the page-order index from the edge instead: that walk is
 * exactly what may not end soon).
 *
 * Keeping the first rows of a sort is cheap while most rows lose against those kept so far, and
 * expensive when each new row beats them all. Names, IDs and update times often follow one
 * numbering (Meter 17 is dev-17, added after dev-16), so the range is read from the end whose
 * sort key comes first in the page's order, judged by the keys at the two ends of its first group.
 */
function sortedBranch({ sort, forward, index, prefix, filters, gate, edge, limit }: Branch): SQL {
  const range = [...filters, ...(index.predicate ? [index.predicate] : []), inRange(index.column, prefix)];
  const indexOrder = (dir: SQL) =>
    index.group ? sql`${index.group} ${dir}, ${index.column} ${dir}` : sql`${index.column} ${dir}`;
  const first = (expr: SQL, conditions: SQL[]) =>
    sql`(select ${expr} from devices where ${where(conditions)} order by ${indexOrder(sql`asc`)} limit 1)`;
  const sameGroup = index.group ? [sql`${index.group} = ${first(index.group, range)}`] : [];
  const lastInGroup = sql`(select ${sortKey(sort).expr} from devices where ${where([...range, ...sameGroup])} order by ${indexOrder(sql`desc`)} limit 1)`;
  const fromStart = sql`${first(sortKey(sort).expr, range)} ${isAscending(sort, forward) ? sql`<=` : sql`>=`} ${lastInGroup}`;
  const read = (dir: SQL, chosen: SQL) =>
    sql`(select ${keyColumns(sort)} from devices where ${where([...range, pastPosition(sort, edge, forward), gate, chosen])} order by ${indexOrder(dir)})`;
  return sql`(select id, sk from (${read(sql`asc`, fromStart)} union all ${read(sql`desc`, sql`not ${fromStart}`)}) candidates
    order by ${orderOnColumns(sort, forward)} limit ${limit})`;
}
