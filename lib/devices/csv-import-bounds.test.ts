import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { importDevicesCsv, importReportChunks, ImportStopped, IMPORT_BATCH_SIZE } from "./csv-import";
import { readCsvRecords, RecordScanner, type CsvRecord } from "./csv-import-reader";
import { ImportSlots } from "./csv-import-slots";

/** Yields `before`, then waits for `gate` (an upload whose sender paused), then yields `after`. */
function pausedUpload(before: string, gate: Promise<void>, after: string, onPause?: () => void) {
  return (async function* () {
    yield Buffer.from(before);
    onPause?.();
    await gate;
    if (after) yield Buffer.from(after);
  })();
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function reportLines(importId: number): Promise<number> {
  let n = 0;
  for await (const chunk of importReportChunks(importId)) n += chunk.split("\n").length - 1;
  return n;
}

describe("CSV import bounds", () => {
  it("refuses a quote that never closes with the line it opened on, without reading the rest of the file", async () => {
    let chunksRead = 0;
    const body = (function* () {
      yield Buffer.from('registrationId,name,payload\nquote-1,"never closed\n');
      // Short lines: counted by newlines, each would look harmless.
      for (let i = 0; i < 10_000; i++) {
        chunksRead++;
        yield Buffer.from("quote-2,,\n".repeat(100));
      }
    })();
    const error = await importDevicesCsv(Readable.from(body), { fileName: null, actor: null }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportStopped);
    expect((error as ImportStopped).reason).toBe("line-too-long");
    expect((error as ImportStopped).message).toMatch(/quote \(".*opened on line 2 is never closed/);
    expect(chunksRead).toBeLessThan(100); // stopped at the record limit, not at the end of the file
  });

  it("refuses an unclosed quote at the end of a short file too", async () => {
    const summary = await importDevicesCsv(
      Readable.from([Buffer.from('a-dev-1,,\n\na-dev-2,"oops\na-dev-3,,\n')]),
      { fileName: null, actor: null },
    );
    expect(summary).toMatchObject({ status: "cut-short", stopReason: "line-too-long", added: 1 });
    expect(summary.stopMessage).toMatch(/opened on line 3/);
  });

  it("reads quoted newlines as part of the field and numbers report lines as the file's lines", async () => {
    const summary = await importDevicesCsv(
      Readable.from([
        Buffer.from('registrationId,name\nqnl-1,"two\nlines"\n\nbad id!,\nqnl-2,"a ""quoted"" name"\n'),
      ]),
      { fileName: null, actor: null },
    );
    expect(summary).toMatchObject({ status: "complete", added: 2, refused: 1 });
    expect(summary.problems.map((p) => p.line)).toEqual([5]);
    const [row] = (
      await getDb().execute<{ name: string }>(sql`select name from devices where registration_id = 'qnl-2'`)
    ).rows;
    expect(row!.name).toBe('a "quoted" name');
  });

  it("finds record ends across chunk boundaries by papaparse's quote rules", () => {
    const scanner = new RecordScanner(1024);
    const text = 'a,"b\n""c""",d\n"x" ,y\nlast,"q"';
    let ends = 0;
    for (const ch of Buffer.from(text)) if (scanner.scan(Buffer.from([ch])) > 0) ends++;
    expect(ends).toBe(2);
    expect(scanner.openRecordLine).toBe(4);
    expect(() => scanner.finish()).not.toThrow();
  });

  it("parses a large chunk in pieces with the same records and line numbers as tiny chunks", async () => {
    // Quoted fields spanning lines, CRLF-free, spread over ~60 KiB so the pieces cut between them.
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(i % 7 === 0 ? `multi-${i},"one\ntwo, ""three""\n",` : `plain-${i},name ${i},`);
    const text = `registrationId,name,payload\n${lines.join("\n")}\n`;
    const read = async (chunks: Buffer[]) => {
      const out: CsvRecord[] = [];
      for await (const records of readCsvRecords(Readable.from(chunks))) out.push(...records);
      return out;
    };
    const whole = await read([Buffer.from(text)]);
    const bytes = Buffer.from(text);
    const small: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 7) small.push(bytes.subarray(at, at + 7));
    expect(bytes.length).toBeGreaterThan(6 * 8 * 1024);
    expect(whole).toHaveLength(3001);
    expect(whole).toEqual(await read(small));
    // Line 2 holds device 0; each multi-line device before the last one adds two lines.
    const multiBefore = Math.floor(2998 / 7) + 1;
    expect(whole.at(-1)).toEqual({
      line: 2 + 2999 + 2 * multiBefore,
      cells: ["plain-2999", "name 2999", ""],
    });
  });

  it("writes the report of an all-refused file as it goes and holds no database connection while the upload waits", async () => {
    const lines = 4 * IMPORT_BATCH_SIZE * 3;
    const gate = deferred();
    const paused = deferred();
    const refused = "bad id!\n".repeat(lines);
    const running = importDevicesCsv(
      pausedUpload(refused, gate.promise, "bad id?\n".repeat(100), paused.resolve),
      {
        fileName: "refused.csv",
        actor: null,
      },
    );
    await paused.promise;
    const pool = getDb().$client;
    // While the sender is paused, the batches read so far are in the report table, and no connection is checked out.
    let chunks = 0;
    for (let i = 0; i < 100 && chunks < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const result = await getDb().execute<{ n: number }>(
        sql`select count(*)::int as n from device_import_report_chunks c join device_imports i on i.id = c.import_id where i.file_name = 'refused.csv' and i.status = 'running'`,
      );
      chunks = result.rows[0]!.n;
    }
    expect(chunks).toBeGreaterThanOrEqual(3);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    gate.resolve();
    const summary = await running;
    expect(summary).toMatchObject({ status: "complete", added: 0 });
    expect(summary).toMatchObject({ total: lines + 100, refused: lines + 100 });
    expect(summary.problems).toHaveLength(50);
    expect(await reportLines(summary.importId)).toBe(lines + 101);
  });

  it("ends an upload that stops arriving, keeping the lines before", async () => {
    const never = new Promise<void>(() => undefined);
    const summary = await importDevicesCsv(pausedUpload("idle-1,,\nidle-2,,\nidle-3", never, ""), {
      fileName: null,
      actor: null,
      idleMs: 200,
    });
    expect(summary).toMatchObject({ status: "cut-short", stopReason: "upload-stalled", added: 2 });
    expect(summary.stopMessage).toMatch(/nothing came for/);
  });
});

describe("import slots", () => {
  it("refuses a user's import beyond their limit and any beyond the server's, until one ends", () => {
    const slots = new ImportSlots(() => ({ global: 3, perUser: 2 }));
    const a1 = slots.take("a");
    const a2 = slots.take("a");
    expect(slots.take("a")).toMatchObject({ scope: "user", limit: 2 });
    const b1 = slots.take("b");
    expect(slots.take("c")).toMatchObject({ scope: "server", limit: 3 });
    expect("release" in a1 && "release" in a2 && "release" in b1).toBe(true);
    if ("release" in a1) {
      a1.release();
      a1.release(); // twice is once
    }
    expect(slots.active).toBe(2);
    expect("release" in slots.take("c")).toBe(true);
    expect(slots.take("a")).toMatchObject({ scope: "server" });
  });
});
