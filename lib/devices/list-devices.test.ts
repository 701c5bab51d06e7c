import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceFilterSchema, type DeviceFilter } from "@/lib/validation/device";
import { encodeCursor, listDevices } from "./list-devices";

const filter = (input: Record<string, string>): DeviceFilter => deviceFilterSchema.parse(input);

async function walk(input: Record<string, string>, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await listDevices(filter({ ...input, ...(after ? { after } : {}) }), pageSize);
    ids.push(...page.devices.map((d) => d.registrationId));
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return ids;
}

describe("listing devices by keyset", () => {
  beforeAll(async () => {
    // 30 devices; every third assigned to hub-a, names "Pump n" on even numbers; equal update times to exercise tie-breaking.
    await getDb().execute(sql`
      insert into devices (registration_id, name, status, assigned_hub, updated_at)
      select 'Dev-' || lpad(g::text, 2, '0'),
             case when g % 2 = 0 then 'Pump ' || g end,
             (case when g % 3 = 0 then 'assigned' else 'pending' end)::device_status,
             case when g % 3 = 0 then 'hub-a' end,
             timestamptz '2026-01-01 00:00:00.123456+00' + ((g / 4) * interval '1 microsecond')
      from generate_series(1, 30) g`);
  });

  it("walks every device exactly once in registration-ID order, case-insensitively", async () => {
    const ids = await walk({}, 7);
    expect(ids).toHaveLength(30);
    expect(ids).toEqual([...ids].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it("walks the newest-first order without losing rows that share a timestamp", async () => {
    const ids = await walk({ sort: "-updated" }, 4);
    expect(new Set(ids).size).toBe(30);
  });

  it("pages back to exactly the previous page", async () => {
    const first = await listDevices(filter({}), 5);
    const second = await listDevices(filter({ after: first.nextCursor! }), 5);
    const back = await listDevices(filter({ before: second.prevCursor! }), 5);
    expect(back.devices.map((d) => d.registrationId)).toEqual(first.devices.map((d) => d.registrationId));
    expect(back.prevCursor).toBeNull();
    expect(first.prevCursor).toBeNull();
  });

  it("filters by status, by hub, by no hub and by registration-ID or name prefix", async () => {
    expect(await walk({ status: "assigned" }, 50)).toHaveLength(10);
    expect(await walk({ hub: "hub-a" }, 50)).toHaveLength(10);
    expect(await walk({ hub: "(none)" }, 50)).toHaveLength(20);
    expect(await walk({ q: "dev-1" }, 50)).toEqual([
      "Dev-10",
      "Dev-11",
      "Dev-12",
      "Dev-13",
      "Dev-14",
      "Dev-15",
      "Dev-16",
      "Dev-17",
      "Dev-18",
      "Dev-19",
    ]);
    expect(await walk({ q: "pump 2" }, 50)).toEqual([
      "Dev-02",
      "Dev-20",
      "Dev-22",
      "Dev-24",
      "Dev-26",
      "Dev-28",
    ]);
  });

  it("treats LIKE wildcards in the search as plain characters", async () => {
    expect(await walk({ q: "%" }, 50)).toEqual([]);
    expect(await walk({ q: "dev_0" }, 50)).toEqual([]);
  });

  it("falls back to defaults for unknown URL values instead of failing", async () => {
    const f = filter({ status: "bogus", sort: "nope", after: "!!not-a-cursor" });
    expect(f.status).toBeUndefined();
    expect(f.sort).toBe("registrationId");
    expect((await listDevices(f, 3)).devices).toHaveLength(3);
  });

  it("shows the first page for a cursor whose time Postgres would refuse, in every order that reads one", async () => {
    const refused = [
      "2026-01-01 00:00:00+99",
      "2026-01-01 00:00:00+16",
      "2026-01-01 00:00:00+05:99",
      "2026-01-01 00:00:00+05:30:60",
      "0000-01-01 00:00:00+00",
      "2026-02-30 00:00:00+00",
    ];
    for (const sort of ["updated", "-updated"])
      for (const key of refused)
        for (const direction of ["after", "before"]) {
          const page = await listDevices(filter({ sort, [direction]: encodeCursor([key, 1]) }), 3);
          expect(page.devices, `${sort} ${direction} ${key}`).toHaveLength(3);
        }
    // The extremes Postgres does read still page.
    const page = await listDevices(
      filter({ sort: "updated", after: encodeCursor(["2026-01-01 00:00:00-15:59:59", 1]) }),
      3,
    );
    expect(page.devices.length).toBeLessThanOrEqual(3);
  });
});
