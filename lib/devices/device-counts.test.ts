import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { truncate } from "@/tests/support/db";

async function counts() {
  const rows = await getDb().execute<{ status: string; hub: string; count: string }>(
    sql`select status, hub, count from device_counts where count <> 0 order by status, hub`,
  );
  return rows.rows.map((r) => `${r.status}/${r.hub || "-"}=${r.count}`);
}

describe("device counts kept by triggers", () => {
  beforeEach(async () => truncate("devices"));

  it("counts inserts, status and hub changes, deletes and truncation exactly", async () => {
    const db = getDb();
    await db.execute(
      sql`insert into devices (registration_id) select 'd-' || g from generate_series(1, 1000) g`,
    );
    expect(await counts()).toEqual(["pending/-=1000"]);

    await db.execute(sql`update devices set status = 'assigned', assigned_hub = 'hub-a' where id % 4 = 0`);
    await db.execute(sql`update devices set status = 'assigned', assigned_hub = 'hub-b' where id % 4 = 1`);
    await db.execute(sql`update devices set name = 'renamed'`); // no status/hub change: nothing moves
    expect(await counts()).toEqual(["pending/-=500", "assigned/hub-a=250", "assigned/hub-b=250"]);

    await db.execute(sql`delete from devices where assigned_hub = 'hub-b'`);
    expect(await counts()).toEqual(["pending/-=500", "assigned/hub-a=250"]);

    await db.execute(sql`truncate devices cascade`);
    expect(await counts()).toEqual([]);
  });
});
