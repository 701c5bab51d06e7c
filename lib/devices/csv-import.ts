import Papa from "papaparse";
import type { Readable } from "node:stream";
import { getDb } from "@/db/client";
import { deviceImports } from "@/db/schema";
import { newDeviceSchema } from "@/lib/validation/device";

export const IMPORT_MAX_ROWS = 1_000_000;
const BATCH_SIZE = 1000;

export type ImportLine = { line: number; registrationId: string; result: "added" | "duplicate" | "refused"; reason: string };
export type ImportSummary = {
  importId: number;
  total: number;
  added: number;
  duplicates: number;
  refused: number;
  /** The first lines that were not added, to show without downloading the report. */
  problems: ImportLine[];
  addedDeviceIds: number[];
};

export class ImportFormatError extends Error {}

type Pending = { line: number; registrationId: string; name: string | null; payload: string | null };
// Verdicts wait beside the rows still to be inserted, so the report keeps the file's line order.
type Queued = { pending: Pending } | { verdict: ImportLine };

function reportRow(l: ImportLine): string {
  return Papa.unparse([[l.line, l.registrationId, l.result, l.reason]], { newline: "\n" });
}

/**
 * Streams a `registrationId,name,payload` CSV into the devices table in batches of 1,000 rows,
 * so memory stays flat whatever the file size. Every line gets a verdict in the report: added,
 * skipped as a duplicate (of an existing device or an earlier line), or refused with the reason.
 */
export async function importDevicesCsv(input: Readable, options: { fileName: string | null; actor: { id: string; email: string } | null }): Promise<ImportSummary> {
  const parser = input.pipe(Papa.parse(Papa.NODE_STREAM_INPUT, { skipEmptyLines: "greedy" }) as NodeJS.ReadWriteStream);
  const report: string[] = ["line,registrationId,result,reason"];
  const problems: ImportLine[] = [];
  const addedDeviceIds: number[] = [];
  const seen = new Set<string>();
  const counts = { total: 0, added: 0, duplicates: 0, refused: 0 };
  let columns: Record<"registrationid" | "name" | "payload", number> | null = null;
  let lineNumber = 0;
  let queue: Queued[] = [];
  let pendingCount = 0;

  const record = (l: ImportLine) => {
    report.push(reportRow(l));
    if (l.result === "added") counts.added++;
    else {
      if (l.result === "duplicate") counts.duplicates++;
      else counts.refused++;
      if (problems.length < 50) problems.push(l);
    }
  };

  const flush = async () => {
    const items = queue;
    queue = [];
    pendingCount = 0;
    const rows = items.flatMap((q) => ("pending" in q ? [q.pending] : []));
    const inserted = new Map<string, number>();
    if (rows.length > 0) {
      const result = await getDb().$client.query<{ id: string; key: string }>(
        `insert into devices (registration_id, name, payload, created_by_id, created_by_email)
         select r, n, p::jsonb, $4, $5 from unnest($1::text[], $2::text[], $3::text[]) as t(r, n, p)
         on conflict do nothing returning id, lower(registration_id) as key`,
        [rows.map((r) => r.registrationId), rows.map((r) => r.name), rows.map((r) => r.payload), options.actor?.id ?? null, options.actor?.email ?? "cli"],
      );
      for (const r of result.rows) inserted.set(r.key, Number(r.id));
    }
    for (const item of items) {
      if ("verdict" in item) {
        record(item.verdict);
        continue;
      }
      const { line, registrationId } = item.pending;
      const id = inserted.get(registrationId.toLowerCase());
      if (id !== undefined) {
        addedDeviceIds.push(id);
        record({ line, registrationId, result: "added", reason: "" });
      } else {
        record({ line, registrationId, result: "duplicate", reason: "a device with this registration ID already exists" });
      }
    }
  };

  for await (const cells of parser as AsyncIterable<string[]>) {
    lineNumber++;
    if (!columns) {
      const header = cells.map((c) => c.trim().toLowerCase());
      if (header[0] === "registrationid") {
        columns = { registrationid: header.indexOf("registrationid"), name: header.indexOf("name"), payload: header.indexOf("payload") };
        continue;
      }
      columns = { registrationid: 0, name: 1, payload: 2 }; // no header: the documented column order
    }
    if (counts.total >= IMPORT_MAX_ROWS) throw new ImportFormatError(`The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en")} devices; split it into smaller files.`);
    counts.total++;
    const raw = {
      registrationId: (cells[columns.registrationid] ?? "").trim(),
      name: columns.name >= 0 ? cells[columns.name] : undefined,
      payload: columns.payload >= 0 ? cells[columns.payload] : undefined,
    };
    const parsed = newDeviceSchema.safeParse(raw);
    if (!parsed.success) {
      queue.push({ verdict: { line: lineNumber, registrationId: raw.registrationId, result: "refused", reason: parsed.error.issues.map((i) => i.message).join(" ") } });
      continue;
    }
    const key = parsed.data.registrationId.toLowerCase();
    if (seen.has(key)) {
      queue.push({ verdict: { line: lineNumber, registrationId: parsed.data.registrationId, result: "duplicate", reason: "the same registration ID appears earlier in the file" } });
      continue;
    }
    seen.add(key);
    queue.push({ pending: { line: lineNumber, registrationId: parsed.data.registrationId, name: parsed.data.name ?? null, payload: parsed.data.payload ? JSON.stringify(parsed.data.payload) : null } });
    if (++pendingCount >= BATCH_SIZE || queue.length >= 4 * BATCH_SIZE) await flush();
  }
  await flush();
  if (lineNumber === 0) throw new ImportFormatError("The file is empty. Expected lines of registrationId,name,payload.");

  const [saved] = await getDb()
    .insert(deviceImports)
    .values({ createdByEmail: options.actor?.email ?? "cli", fileName: options.fileName, ...counts, reportCsv: report.join("\n") + "\n" })
    .returning({ id: deviceImports.id });
  return { importId: saved!.id, ...counts, problems, addedDeviceIds };
}
