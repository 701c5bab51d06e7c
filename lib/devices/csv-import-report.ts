import { and, asc, eq, gt } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceImportReportChunks } from "@/db/schema";
import { neutralizeCell } from "./csv-export";

/** Report cells quote what the file said; a cell this long says enough. */
const REPORT_CELL_MAX = 200;

export const REPORT_HEADER = "line,registrationId,result,reason";

export type ImportLine = {
  line: number;
  registrationId: string;
  result: "added" | "duplicate" | "refused";
  reason: string;
};

/**
 * What a report cell may show of a value from the file: bounded, control characters (which
 * PostgreSQL cannot store, or a terminal would act on) shown as U+FFFD, and never a live
 * spreadsheet formula.
 */
export function reportCell(value: string): string {
  const bounded = value.length > REPORT_CELL_MAX ? `${value.slice(0, REPORT_CELL_MAX)}…` : value;
  return neutralizeCell(bounded.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd"));
}

/** A CSV cell quoted as papaparse's unparse quotes it: only when it must be (see the test holding them together). */
function csvCell(value: string): string {
  const needsQuotes =
    value.includes('"') ||
    value.includes(",") ||
    value.includes("\n") ||
    value.includes("\r") ||
    value.includes("\ufeff") ||
    value.startsWith(" ") ||
    value.endsWith(" ");
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One verdict as a report row, ending with a newline. A refused line becomes this text as soon as
 * it is read (one string waiting for its batch instead of several objects: a million refused lines
 * must not pile up garbage faster than the server collects it).
 */
export function reportLine(l: ImportLine): string {
  return `${l.line},${csvCell(reportCell(l.registrationId))},${l.result},${csvCell(reportCell(l.reason))}\n`;
}

/**
 * The report row of an added line, without reportLine's objects and checks: a registration ID that
 * passed validation (up to 128 letters, digits and `-._:`) never needs quoting or cutting, and only
 * a leading `-` needs neutralizing. A million added lines made a million throwaway objects here.
 */
export function addedReportLine(line: number, registrationId: string): string {
  if (registrationId.charCodeAt(0) === 45)
    return reportLine({ line, registrationId, result: "added", reason: "" });
  return `${line},${registrationId},added,\n`;
}

/** Verdicts as report CSV text (no header), ending with a newline. */
export function reportRows(lines: ImportLine[]): string {
  return lines.map(reportLine).join("");
}

/**
 * Chunks per query. A batch of refused lines is a chunk of up to 1 MB: twenty of them in one reply
 * were 16 MB parsed in one go and a burst of garbage that held up the server's other requests.
 */
const CHUNKS_PER_QUERY = 4;

/** The report of one import as CSV text chunks in file order (header first), for streaming to a download. */
export async function* importReportChunks(importId: number): AsyncGenerator<string> {
  yield `${REPORT_HEADER}\n`;
  let seq = -1;
  for (;;) {
    const rows = await getDb()
      .select({ seq: deviceImportReportChunks.seq, csv: deviceImportReportChunks.csv })
      .from(deviceImportReportChunks)
      .where(and(eq(deviceImportReportChunks.importId, importId), gt(deviceImportReportChunks.seq, seq)))
      .orderBy(asc(deviceImportReportChunks.seq))
      .limit(CHUNKS_PER_QUERY);
    if (rows.length === 0) return;
    for (const row of rows) yield row.csv;
    seq = rows.at(-1)!.seq;
  }
}
