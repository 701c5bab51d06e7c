import type { Actor } from "@/lib/audit/actor";
import { checkNewDevice } from "@/lib/validation/device";
import { readCsvRecords, type ReaderLimits } from "./csv-import-reader";
import { reportCell, type ImportLine } from "./csv-import-report";
import { ImportFormatError, ImportStopped, type ImportStopReason } from "./csv-import-stops";
import { ImportBatch } from "./csv-import-batch";
import { ImportBatchWriter } from "./csv-import-writer";

export { IMPORT_MAX_LINE_BYTES } from "./csv-import-reader";
export { importReportChunks, REPORT_HEADER, reportCell, type ImportLine } from "./csv-import-report";
export { ImportFormatError, ImportStopped, tooLargeMessage, type ImportStopReason } from "./csv-import-stops";

export const IMPORT_MAX_ROWS = 1_000_000;
/** Rows per insert; verdicts without a row (refused lines) are flushed at four times as many. */
export const IMPORT_BATCH_SIZE = 2000;

export type ImportSummary = {
  importId: number;
  /** `cut-short`: the upload stopped before the end of the file; the counts and the report cover the lines read until then. */
  status: "complete" | "cut-short";
  stopReason: ImportStopReason | null;
  /** Why it stopped, in words, for the dialog and the CLI. */
  stopMessage: string | null;
  total: number;
  added: number;
  duplicates: number;
  refused: number;
  /** The first lines that were not added, to show without downloading the report. */
  problems: ImportLine[];
  addedDeviceIds: number[];
};

export type ImportLimits = ReaderLimits;

type Columns = Record<"registrationid" | "name" | "payload", number>;

/** The header line names the columns; without one, the documented order applies. */
function columnsOf(cells: string[]): Columns | null {
  const header = cells.map((c) => c.trim().toLowerCase());
  if (header[0] !== "registrationid") return null;
  return {
    registrationid: header.indexOf("registrationid"),
    name: header.indexOf("name"),
    payload: header.indexOf("payload"),
  };
}

const DOCUMENTED_ORDER: Columns = { registrationid: 0, name: 1, payload: 2 };

/**
 * Lets pages, health checks and the import's own database replies in during a CPU-heavy upload: a
 * 64 KiB chunk of two-byte lines is 32,000 rows, far too many to check without letting anything
 * else run. By time, not rows: a reply that lets the next batch's insert go out waits at most this
 * long (at 500 rows a turn it waited up to 5 ms, once per batch, 500 times in a million rows).
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
const MS_BETWEEN_BREATHS = 1;
const ROWS_BETWEEN_CLOCK_READS = 50;

/**
 * Streams a `registrationId,name,payload` CSV into the devices table in batches, so memory stays
 * flat whatever the file size: neither the file nor its report is held whole (report lines are
 * written with their batch). Every line gets a verdict in the report: added, skipped as a
 * duplicate (of an existing device or an earlier line), or refused with the reason.
 *
 * An upload that stops early (cap, client gone, idle, server stopping, a record far too long or a
 * quote never closed) is recorded as `cut-short`: the lines before the stop were handled like any
 * other and are in the report; a partial last record is never read as a device.
 */
export async function importDevicesCsv(
  input: AsyncIterable<Uint8Array>,
  options: { fileName: string | null; actor: Actor } & ImportLimits,
): Promise<ImportSummary> {
  const fileName = options.fileName === null ? null : reportCell(options.fileName).slice(0, 255);
  const writer = new ImportBatchWriter({ fileName, actor: options.actor });
  let columns: Columns | null = null;
  let recordsSeen = 0;
  let rowsRead = 0;
  let batch = new ImportBatch();
  let batchSeen = new Map<string, number>();
  const decided = (verdict: ImportLine) => batch.decided(verdict);
  const flush = async () => {
    const full = batch;
    batch = new ImportBatch();
    batchSeen = new Map();
    await writer.write(full);
  };

  let stop: ImportStopped | null = null;
  let breathed = performance.now();
  try {
    for await (const records of readCsvRecords(input, options)) {
      for (const { line, cells } of records) {
        if (
          ++recordsSeen % ROWS_BETWEEN_CLOCK_READS === 0 &&
          performance.now() - breathed >= MS_BETWEEN_BREATHS
        ) {
          await breathe();
          breathed = performance.now();
        }
        if (!columns) {
          columns = columnsOf(cells);
          if (columns) continue;
          columns = DOCUMENTED_ORDER;
        }
        if (rowsRead >= IMPORT_MAX_ROWS) {
          throw new ImportStopped(
            "too-many-rows",
            `The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en")} devices; the first ${IMPORT_MAX_ROWS.toLocaleString("en")} were handled. Import the rest as another file.`,
          );
        }
        rowsRead++;
        const raw = {
          registrationId: (cells[columns.registrationid] ?? "").trim(),
          name: columns.name >= 0 ? cells[columns.name] : undefined,
          payload: columns.payload >= 0 ? cells[columns.payload] : undefined,
        };
        // newDeviceSchema's verdict without its error objects (a million refused lines would be a million ZodErrors).
        const parsed = checkNewDevice(raw);
        if (!parsed.ok) {
          decided({ line, registrationId: raw.registrationId, result: "refused", reason: parsed.reason });
        } else {
          const key = parsed.value.registrationId.toLowerCase();
          const earlier = batchSeen.get(key);
          if (earlier !== undefined) {
            decided({
              line,
              registrationId: parsed.value.registrationId,
              result: "duplicate",
              reason: `the same registration ID appears earlier in the file (line ${earlier})`,
            });
          } else {
            batchSeen.set(key, line);
            batch.add({
              line,
              registrationId: parsed.value.registrationId,
              name: parsed.value.name ?? null,
              payload: parsed.value.payload ? JSON.stringify(parsed.value.payload) : null,
            });
          }
        }
        if (batch.pending.length >= IMPORT_BATCH_SIZE || batch.size >= 4 * IMPORT_BATCH_SIZE) await flush();
      }
    }
  } catch (error) {
    if (!(error instanceof ImportStopped)) {
      await writer.fail();
      throw error;
    }
    stop = error;
  }
  try {
    // Every row in the batch came from a complete record: handle it like the others, then say where it stopped.
    await flush();
    await writer.drain();
  } catch (error) {
    await writer.fail();
    throw error;
  }
  if (writer.importId === null) {
    if (stop) throw stop;
    throw new ImportFormatError(
      recordsSeen === 0
        ? "The file is empty. Expected lines of registrationId,name,payload."
        : "The file has a header line but no devices.",
    );
  }
  const status = stop ? "cut-short" : "complete";
  await writer.finish(status, stop?.reason ?? null);
  return {
    importId: writer.importId,
    status,
    stopReason: stop?.reason ?? null,
    stopMessage: stop?.message ?? null,
    ...writer.counts,
    problems: writer.problems,
    addedDeviceIds: writer.addedDeviceIds,
  };
}
