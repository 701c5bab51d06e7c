import { afterEach, describe, expect, it, vi } from "vitest";
import { Readable } from "node:stream";
import { desc, eq, sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { getDb } from "@/lib/database";
import { deviceImports, devices } from "@/db/schema";
import { importDevicesCsv, importReportChunks, IMPORT_BATCH_SIZE } from "./csv-import";

const csv = (text: string) => Readable.from([Buffer.from(text)]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a statement of the batch writer is, by its first words. */
function kindOf(text: string): string {
  if (text.startsWith("begin")) return "begin";
  if (text.startsWith("with added as (insert into devices")) return "insert";
  if (text.startsWith("insert into devices")) return "insert skipping";
  if (text.startsWith("rollback to savepoint")) return "rollback to savepoint";
  if (text.startsWith("with chunk")) return "report";
  return text.split(/\s/)[0]!;
}

/**
 * Watches the batch transactions (numbered in the order they begin) on the pool's clients: logs
 * when each statement is sent and when it returns, and lets a test delay or fail one.
 */
function watchBatches(before?: (batch: number, kind: string) => Promise<void>): string[] {
  const events: string[] = [];
  const pool = getDb().$client;
  const original = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  const connect = original as () => Promise<PoolClient>;
  let batches = 0;
  vi.spyOn(pool, "connect").mockImplementation(((...args: unknown[]) => {
    // pool.query's own callback-style connects: not a batch.
    if (args.length > 0) return original(...args);
    return connect().then((client) => {
      const query = client.query;
      const release = client.release;
      let batch = 0;
      client.query = (async (text: string, values?: unknown[]) => {
        const kind = kindOf(text.trim());
        if (kind === "begin") batch = ++batches;
        await before?.(batch, kind);
        events.push(`${batch}:${kind}`);
        const result = await (query as (t: string, v?: unknown[]) => Promise<unknown>).call(
          client,
          text,
          values,
        );
        events.push(`${batch}:${kind} returned`);
        return result;
      }) as typeof client.query;
      client.release = ((error?: Error | boolean) => {
        client.query = query;
        client.release = release;
        release.call(client, error);
      }) as typeof client.release;
      return client;
    });
  }) as typeof pool.connect);
  return events;
}

async function reportOf(importId: number): Promise<string[]> {
  let text = "";
  for await (const chunk of importReportChunks(importId)) text += chunk;
  return text.trim().split("\n").slice(1);
}

async function deviceCount(prefix: string): Promise<number> {
  const [row] = await getDb()
    .select({ n: sql<number>`count(*)::int` })
    .from(devices)
    .where(sql`registration_id like ${`${prefix}%`}`);
  return row!.n;
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("CSV import batches overlapping", () => {
  it("starts the next batch's insert before the previous batch commits, keeping file order and earlier-in-file verdicts", async () => {
    await getDb().insert(devices).values({ registrationId: "pipe-old" });
    // Batch 1 commits slowly: batch 2's insert runs meanwhile and meets batch 1's uncommitted row.
    const events = watchBatches(async (batch, kind) => {
      if (batch === 1 && kind === "commit") await sleep(300);
    });
    const lines = [
      "registrationId",
      ...ids("pipe-a", IMPORT_BATCH_SIZE),
      "PIPE-A-1999", // line 2002: batch 1's last row, now in batch 2
      "pipe-old", // line 2003
      ...ids("pipe-b", IMPORT_BATCH_SIZE - 2),
      "pipe-b-0", // line 4002: batch 2's first new row, now in batch 3
      ...ids("pipe-c", 10),
    ];
    const summary = await importDevicesCsv(csv(lines.join("\n")), { fileName: null, actor: null });

    expect(events.indexOf("2:insert")).toBeLessThan(events.indexOf("1:commit"));
    // The plain insert waited for batch 1's transaction, so the collision is seen, not a second
    // device: the batch went back to its savepoint and inserted again, skipping collisions.
    expect(events).not.toContain("2:insert returned");
    expect(events.indexOf("2:rollback to savepoint")).toBeGreaterThan(events.indexOf("1:commit returned"));
    expect(events).toContain("2:insert skipping returned");
    // Once one batch collided, the next ones skip collisions straight away.
    expect(events).toContain("3:insert skipping returned");
    expect(events).not.toContain("3:insert");
    expect(events.indexOf("3:commit")).toBeGreaterThan(events.indexOf("2:commit returned"));

    expect(summary).toMatchObject({
      status: "complete",
      total: 2 * IMPORT_BATCH_SIZE + 11,
      added: 2 * IMPORT_BATCH_SIZE + 8,
      duplicates: 3,
    });
    expect(summary.problems.map((p) => [p.line, p.reason])).toEqual([
      [2002, "the same registration ID appears earlier in the file"],
      [2003, "a device with this registration ID already exists"],
      [4002, "the same registration ID appears earlier in the file"],
    ]);
    const report = await reportOf(summary.importId);
    expect(report.map((row) => Number(row.split(",")[0]))).toEqual(lines.slice(1).map((_, i) => i + 2));
    expect(report[2000]).toBe(
      "2002,PIPE-A-1999,duplicate,the same registration ID appears earlier in the file",
    );

    // Devices were inserted in file order: their ids ascend line by line.
    const added = await getDb()
      .select({ registrationId: devices.registrationId })
      .from(devices)
      .where(sql`registration_id like 'pipe-%' and registration_id <> 'pipe-old'`)
      .orderBy(devices.id);
    expect(added.map((d) => d.registrationId)).toEqual([
      ...ids("pipe-a", IMPORT_BATCH_SIZE),
      ...ids("pipe-b", IMPORT_BATCH_SIZE - 2),
      ...ids("pipe-c", 10),
    ]);
    expect(summary.addedDeviceIds).toEqual([...summary.addedDeviceIds].sort((a, b) => a - b));
  });

  it("inserts a file of new devices with plain inserts, and a file that repeats devices pays for one plain try only", async () => {
    let events = watchBatches();
    const fresh = ["registrationId", ...ids("plain-a", IMPORT_BATCH_SIZE), ...ids("plain-b", 10)];
    const first = await importDevicesCsv(csv(fresh.join("\n")), { fileName: null, actor: null });
    expect(first).toMatchObject({ status: "complete", added: IMPORT_BATCH_SIZE + 10, duplicates: 0 });
    expect(events.filter((e) => e.endsWith("returned") && e.includes("insert"))).toEqual([
      "1:insert returned",
      "2:insert returned",
    ]);

    vi.restoreAllMocks();
    events = watchBatches();
    const again = await importDevicesCsv(csv(`${fresh.join("\n")}\nplain-c`), {
      fileName: null,
      actor: null,
    });
    expect(again).toMatchObject({ status: "complete", added: 1, duplicates: IMPORT_BATCH_SIZE + 10 });
    expect(again.problems[0]).toMatchObject({
      line: 2,
      reason: "a device with this registration ID already exists",
    });
    expect(events.filter((e) => e.includes("insert") || e.includes("savepoint"))).toEqual([
      "1:insert",
      "1:rollback to savepoint",
      "1:rollback to savepoint returned",
      "1:insert skipping",
      "1:insert skipping returned",
      "2:insert skipping",
      "2:insert skipping returned",
    ]);
    expect(await deviceCount("plain-")).toBe(IMPORT_BATCH_SIZE + 11);
  });

  it("keeps the devices page's counts exact through plain inserts and inserts that skip collisions", async () => {
    const counted = async () => {
      const { rows } = await getDb().execute<{ pending: number; unchecked: number }>(
        sql`select (select count from device_counts where status = 'pending' and hub = '')::int as pending,
                   (select count from device_hub_counts where hub_status = 'unchecked')::int as unchecked`,
      );
      return rows[0]!;
    };
    const before = await counted();
    const fresh = ["registrationId", ...ids("counts-a", IMPORT_BATCH_SIZE + 5)];
    await importDevicesCsv(csv(fresh.join("\n")), { fileName: null, actor: null });
    await importDevicesCsv(csv([...fresh, "counts-b"].join("\n")), { fileName: null, actor: null });
    const after = await counted();
    expect(after.pending - before.pending).toBe(IMPORT_BATCH_SIZE + 6);
    expect(after.unchecked - before.unchecked).toBe(IMPORT_BATCH_SIZE + 6);
  });

  it("begins the next batch's transaction while the previous batch inserts, sends its insert only after, and holds two connections at most", async () => {
    // Batch 1 inserts slowly: batch 2 is parsed meanwhile and waits, its transaction begun.
    const events = watchBatches(async (batch, kind) => {
      if (batch === 1 && kind === "insert") await sleep(300);
    });
    const lines = [
      "registrationId",
      ...ids("early-a", IMPORT_BATCH_SIZE),
      ...ids("early-b", IMPORT_BATCH_SIZE),
      "early-c",
    ];
    const summary = await importDevicesCsv(csv(lines.join("\n")), { fileName: null, actor: null });

    expect(summary).toMatchObject({ status: "complete", added: 2 * IMPORT_BATCH_SIZE + 1 });
    expect(events.indexOf("2:begin returned")).toBeLessThan(events.indexOf("1:insert returned"));
    expect(events.indexOf("2:insert")).toBeGreaterThan(events.indexOf("1:insert returned"));
    // Batch 3 takes a connection only once batch 1 has given its back.
    expect(events.indexOf("3:begin")).toBeGreaterThan(events.indexOf("1:commit returned"));
  });

  it("commits no batch after one that failed, even one whose insert already ran, and marks the import", async () => {
    // Batch 2 fails late (after its insert), while batch 3 is already inserting behind it.
    const events = watchBatches(async (batch, kind) => {
      if (batch === 2 && kind === "report") {
        await sleep(300);
        throw new Error("injected: the connection went away");
      }
    });
    const lines = [
      "registrationId",
      ...ids("pipefail-a", IMPORT_BATCH_SIZE),
      ...ids("pipefail-b", IMPORT_BATCH_SIZE),
      "pipefail-b-7", // batch 3 collides with batch 2's uncommitted row: waits for its rollback
      ...ids("pipefail-c", 10),
    ];
    await expect(
      importDevicesCsv(csv(lines.join("\n")), { fileName: "pipeline-fail.csv", actor: null }),
    ).rejects.toThrow(/injected/);

    expect(events).toContain("3:insert returned");
    expect(events.indexOf("3:insert returned")).toBeGreaterThan(events.indexOf("2:rollback"));
    expect(events).toContain("3:rollback");
    expect(events).not.toContain("2:commit");
    expect(events).not.toContain("3:commit");
    expect(await deviceCount("pipefail-a")).toBe(IMPORT_BATCH_SIZE);
    expect(await deviceCount("pipefail-b")).toBe(0);
    expect(await deviceCount("pipefail-c")).toBe(0);

    const [row] = await getDb()
      .select()
      .from(deviceImports)
      .where(eq(deviceImports.fileName, "pipeline-fail.csv"))
      .orderBy(desc(deviceImports.id))
      .limit(1);
    expect(row).toMatchObject({
      status: "cut-short",
      stopReason: "server-error",
      total: IMPORT_BATCH_SIZE,
      added: IMPORT_BATCH_SIZE,
    });
    expect(await reportOf(row!.id)).toHaveLength(IMPORT_BATCH_SIZE);
  });
});
