import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { deviceImports, devices } from "@/db/schema";
import { importDevicesCsv, ImportFormatError } from "./csv-import";

const csv = (text: string) => Readable.from([Buffer.from(text)]);

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
    expect(summary).toMatchObject({ total: 8, added: 3, duplicates: 2, refused: 3 });
    expect(summary.problems.map((p) => [p.line, p.result])).toEqual([
      [4, "duplicate"],
      [5, "duplicate"],
      [6, "refused"],
      [7, "refused"],
      [8, "refused"],
    ]);
    expect(summary.problems[2]!.reason).toMatch(/letters, digits/);
    expect(summary.problems[3]!.reason).toMatch(/valid JSON/);

    const [stored] = await getDb().select().from(devices).where(eq(devices.registrationId, "sensor-002"));
    expect(stored?.payload).toEqual({ site: "berlin" });

    const [report] = await getDb().select().from(deviceImports).where(eq(deviceImports.id, summary.importId));
    const lines = report!.reportCsv.trim().split("\n");
    expect(lines[0]).toBe("line,registrationId,result,reason");
    expect(lines).toHaveLength(9);
    expect(lines[1]).toBe("2,sensor-001,added,");
  });

  it("accepts a file without a header in the documented column order", async () => {
    const summary = await importDevicesCsv(csv("noheader-1,One\nnoheader-2,Two\n"), { fileName: null, actor: null });
    expect(summary).toMatchObject({ total: 2, added: 2 });
  });

  it("imports thousands of rows in batches", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `bulk-${i},Device ${i},`).join("\n");
    const summary = await importDevicesCsv(csv(`registrationId,name,payload\n${rows}`), { fileName: null, actor: null });
    expect(summary).toMatchObject({ total: 5000, added: 5000, refused: 0 });
    expect(summary.addedDeviceIds).toHaveLength(5000);
  });

  it("refuses an empty file with a clear message", async () => {
    await expect(importDevicesCsv(csv(""), { fileName: null, actor: null })).rejects.toBeInstanceOf(ImportFormatError);
  });
});
