import { beforeAll, describe, expect, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceFilterSchema, DEVICE_SORTS, type DeviceSort } from "@/lib/validation/device";
import { encodeCursor, listDevices } from "./list-devices";

/**
 * Searches page through the prefix ranges (see prefix-search.ts); these tests hold every page to
 * what the plain query it replaces returns: the same devices in the same order.
 */

const HUBS = ["hub-a.azure-devices.net", "hub-b.azure-devices.net", null];
const STATUSES = ["assigned", "pending", "failed"] as const;

type Seed = { r: string; n: string | null };
const SEEDS: Seed[] = [
  // registration IDs in mixed case; some names look like IDs, so a prefix can match either column
  ...Array.from({ length: 24 }, (_, i) => ({
    r: `${["dev", "Dev", "DEV"][i % 3]}-${String(i).padStart(2, "0")}`,
    n: i % 4 === 0 ? null : i % 4 === 1 ? `Pump ${i}` : i % 4 === 2 ? `dev-${i + 50} spare` : `Meter ${i}`,
  })),
  { r: "pump-1", n: "Pump one" },
  { r: "PUMP-2", n: "pumpkin" },
  { r: "pumped", n: null },
  { r: "dev_x", n: "dev_underscore" },
  { r: "devXx", n: "DEVx" },
  // exactly the end of a prefix range ("dev-1" ends before "dev-2", "meter" before "metes")
  { r: "dev-2", n: "metes" },
  // LIKE's special characters, which a search must take literally
  { r: "a%b", n: "100% ready" },
  { r: "a_b", n: "100_x" },
  { r: "a\\b", n: "back\\slash" },
  { r: "axb", n: "100x" },
  { r: "a%%", n: "%%" },
  { r: "zz-1", n: "_under" },
  { r: "zz-2", n: "\\lead" },
  // beyond ASCII, up to the last code point
  { r: "n-1", n: "Ärger" },
  { r: "n-2", n: "ärger" },
  { r: "n-3", n: "Zürich" },
  { r: "n-4", n: "🙂 smile" },
  { r: "n-5", n: "日本 site" },
  { r: "n-6", n: "\u{10FFFF}x" },
  { r: "n-7", n: "\u{10FFFF}" },
  { r: "n-8", n: "\u{FFFF}z" },
  { r: "n-9", n: "ÿ" },
];

const PREFIXES = [
  "d",
  "dev",
  "DEV-0",
  "dev-0",
  "dev-1",
  "dev-5",
  "dev_",
  "devx",
  "a%",
  "a_",
  "a\\",
  "%",
  "_",
  "\\",
  "100",
  "p",
  "pump",
  "Pump 1",
  "meter",
  "ä",
  "Ä",
  "z",
  "🙂",
  "\u{FFFF}",
  "\u{10FFFF}",
  "zz",
  "no-such-device",
];

type Filter = { status?: string; hub?: string };
const FILTERS: Filter[] = [
  {},
  { status: "assigned" },
  { hub: HUBS[0]! },
  { hub: "(none)" },
  { status: "pending", hub: "(none)" },
  { status: "assigned", hub: HUBS[1]! },
];

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const REFERENCE_ORDER: Record<DeviceSort, SQL> = {
  registrationId: sql`lower(registration_id) collate "C" asc`,
  "-registrationId": sql`lower(registration_id) collate "C" desc`,
  updated: sql`updated_at asc, id asc`,
  "-updated": sql`updated_at desc, id desc`,
};

/** The query a search used to be: filter with LIKE, sort everything. Ids and cursor keys, in order. */
async function reference(
  sort: DeviceSort,
  filter: Filter,
  text: string,
): Promise<{ id: number; key: string }[]> {
  const q = deviceFilterSchema.parse({ q: text }).q ?? "";
  const pattern = `${escapeLike(q.toLowerCase())}%`;
  const conditions = [
    sql`(lower(registration_id) collate "C" like ${pattern} or lower(name) collate "C" like ${pattern})`,
  ];
  if (filter.status) conditions.push(sql`status = ${filter.status}`);
  if (filter.hub)
    conditions.push(filter.hub === "(none)" ? sql`assigned_hub is null` : sql`assigned_hub = ${filter.hub}`);
  const key = sort.endsWith("updated") ? sql`updated_at::text` : sql`lower(registration_id)`;
  const { rows } = await getDb().execute<{ id: string; key: string }>(
    sql`select id, ${key} as key from devices where ${sql.join(conditions, sql` and `)} order by ${REFERENCE_ORDER[sort]}`,
  );
  return rows.map((r) => ({ id: Number(r.id), key: r.key }));
}

const PAGE = 3;

async function page(
  sort: DeviceSort,
  filter: Filter,
  q: string,
  probeRows: number,
  cursor: { after?: string; before?: string } = {},
) {
  return listDevices(deviceFilterSchema.parse({ sort, q, ...filter, ...cursor }), PAGE, { probeRows });
}

const ids = (p: { devices: { id: number }[] }) => p.devices.map((d) => d.id);
const label = (sort: DeviceSort, filter: Filter, q: string, probeRows: number) =>
  JSON.stringify({ sort, ...filter, q, probeRows });

/** Walks forward to the end, and back from every page; every page must be the reference's slice. */
async function walk(
  sort: DeviceSort,
  filter: Filter,
  q: string,
  probeRows: number,
  expected: number[],
): Promise<void> {
  const where = label(sort, filter, q, probeRows);
  const pages: { ids: number[]; prevCursor: string | null }[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await page(sort, filter, q, probeRows, after ? { after } : {});
    pages.push({ ids: ids(p), prevCursor: p.prevCursor });
    expect(ids(p), `${where} page ${pages.length}`).toEqual(
      expected.slice((pages.length - 1) * PAGE, pages.length * PAGE),
    );
    if (!p.nextCursor) break;
    after = p.nextCursor;
    expect(pages.length, where).toBeLessThan(expected.length + 2);
  }
  expect(
    pages.flatMap((p) => p.ids),
    where,
  ).toEqual(expected);
  expect(pages[0]!.prevCursor, where).toBeNull();
  for (let i = 1; i < pages.length; i++) {
    const back = await page(sort, filter, q, probeRows, { before: pages[i]!.prevCursor! });
    expect(ids(back), `${where} back from page ${i + 1}`).toEqual(pages[i - 1]!.ids);
    expect(back.prevCursor === null, `${where} back from page ${i + 1}: more before`).toBe(i === 1);
  }
}

/** A page may start after any device, e.g. a bookmarked link: check the cursor of every match. */
async function fromEveryCursor(
  sort: DeviceSort,
  filter: Filter,
  q: string,
  probeRows: number,
  expected: { id: number; key: string }[],
): Promise<void> {
  const where = label(sort, filter, q, probeRows);
  for (let i = 0; i < expected.length; i++) {
    const cursor = encodeCursor([expected[i]!.key, expected[i]!.id]);
    const forward = await page(sort, filter, q, probeRows, { after: cursor });
    expect(ids(forward), `${where} after #${i}`).toEqual(
      expected.slice(i + 1, i + 1 + PAGE).map((e) => e.id),
    );
    const backward = await page(sort, filter, q, probeRows, { before: cursor });
    expect(ids(backward), `${where} before #${i}`).toEqual(
      expected.slice(Math.max(0, i - PAGE), i).map((e) => e.id),
    );
  }
}

describe("searching devices by prefix", () => {
  beforeAll(async () => {
    // Statuses and hubs cycle independently of the IDs; update times come in groups of four
    // equal timestamps, so the last-updated orders have ties to break by id.
    const rows = SEEDS.map((s, i) => ({
      ...s,
      s: STATUSES[i % 3],
      h: HUBS[Math.floor(i / 2) % 3],
      t: `2026-01-01 00:00:00.${String(1_000_000 + Math.floor(((i * 7) % SEEDS.length) / 4)).slice(1)}+00`,
    }));
    await getDb().execute(sql`
      insert into devices (registration_id, name, status, assigned_hub, updated_at)
      select r, n, s::device_status, h, t::timestamptz from json_to_recordset(${JSON.stringify(rows)}::json) as x(r text, n text, s text, h text, t text)`);
  });

  it("seeds data where names and IDs both match and update times tie", async () => {
    const both = await getDb().execute(
      sql`select 1 from devices where lower(registration_id) like 'pump%' and lower(name) like 'pump%'`,
    );
    expect(both.rows.length).toBeGreaterThan(0);
    const ties = await getDb().execute(sql`select updated_at from devices group by 1 having count(*) > 1`);
    expect(ties.rows.length).toBeGreaterThan(5);
  });

  for (const sort of DEVICE_SORTS) {
    it(`pages like the plain query in the ${sort} order, for every filter and prefix, forward and back`, async () => {
      for (const filter of FILTERS) {
        await Promise.all(
          PREFIXES.map(async (q) => {
            const expected = await reference(sort, filter, q);
            // probeRows 2 makes nearly every page sweep the prefix ranges; 1000 finds everything by probing.
            for (const probeRows of [1, 2, 7, 1000])
              await walk(
                sort,
                filter,
                q,
                probeRows,
                expected.map((e) => e.id),
              );
          }),
        );
      }
    });

    it(`starts a ${sort} search page after or before any device`, async () => {
      for (const filter of [FILTERS[0]!, FILTERS[3]!]) {
        await Promise.all(
          PREFIXES.map(async (q) => {
            const expected = await reference(sort, filter, q);
            for (const probeRows of [2, 1000]) await fromEveryCursor(sort, filter, q, probeRows, expected);
          }),
        );
      }
    });
  }

  it("finds nothing, without an error, for text no device can hold", async () => {
    // The URL schema already drops such text (a tampered link shows the whole list); the search itself must hold too.
    expect(deviceFilterSchema.parse({ q: "dev\u0000" }).q).toBeUndefined();
    const filter = { ...deviceFilterSchema.parse({ sort: "registrationId" }), q: "dev\u0000" };
    expect(ids(await listDevices(filter, PAGE, { probeRows: 1000 }))).toEqual([]);
  });

  it("shows the first page for a cursor that does not fit the order", async () => {
    const first = ids(await page("-updated", {}, "dev", 1000));
    for (const key of ["not a time", "2026-02-30 00:00:00+00", "2026-01-01 25:00:00+00", "dev\u0000"]) {
      expect(ids(await page("-updated", {}, "dev", 1000, { after: encodeCursor([key, 1]) })), key).toEqual(
        first,
      );
      expect(ids(await page("-updated", {}, "", 1000, { after: encodeCursor([key, 1]) })).length, key).toBe(
        PAGE,
      );
    }
  });
});
