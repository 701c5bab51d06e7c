import Papa from "papaparse";
import { pipeline, Readable } from "node:stream";
import { sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { getDb } from "@/db/client";
import type { Actor } from "@/lib/audit/actor";
import { newDeviceSchema } from "@/lib/validation/device";
import { neutralizeCell } from "./csv-export";

export const IMPORT_MAX_ROWS = 1_000_000;
/** A legitimate line is at most ~33 KiB (a 16 KiB payload with its quotes doubled); anything longer is refused before it fills memory. */
export const IMPORT_MAX_LINE_BYTES = 64 * 1024;
const BATCH_SIZE = 1000;
/** Report cells quote what the file said; a cell this long says enough. */
const REPORT_CELL_MAX = 200;

export type ImportLine = {
  line: number;
  registrationId: string;
  result: "added" | "duplicate" | "refused";
  reason: string;
};

export type ImportStopReason =
  "too-large" | "client-gone" | "server-stopping" | "too-many-rows" | "line-too-long" | "upload-incomplete";

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

/** The file cannot be imported at all (nothing was added). */
export class ImportFormatError extends Error {}

/** The upload stopped before the end of the file. */
export class ImportStopped extends Error {
  constructor(
    readonly reason: ImportStopReason,
    message: string,
  ) {
    super(message);
  }
}

export type ImportLimits = {
  /** Bytes accepted; more stops the import with `too-large`. */
  maxBytes?: number;
  /** The Content-Length the client announced: fewer bytes means the upload was cut short. */
  expectedBytes?: number | null;
  /** Aborts when the client goes away or the server is stopping (the abort reason says which). */
  signal?: AbortSignal;
};

type Pending = { line: number; registrationId: string; name: string | null; payload: string | null };
// Verdicts wait beside the rows still to be inserted, so the report keeps the file's line order.
type Queued = { pending: Pending } | { verdict: ImportLine };

/**
 * What a report cell may show of a value from the file: bounded, control characters (which
 * PostgreSQL cannot store, or a terminal would act on) shown as U+FFFD, and never a live
 * spreadsheet formula.
 */
export function reportCell(value: string): string {
  const bounded = value.length > REPORT_CELL_MAX ? `${value.slice(0, REPORT_CELL_MAX)}…` : value;
  return neutralizeCell(bounded.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd"));
}

function reportRows(lines: ImportLine[]): string {
  return Papa.unparse(
    lines.map((l) => [l.line, reportCell(l.registrationId), l.result, reportCell(l.reason)]),
    { newline: "\n" },
  );
}

export const REPORT_HEADER = "line,registrationId,result,reason";

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toLocaleString("en", { maximumFractionDigits: 1 })} MiB`;
}

export function tooLargeMessage(maxBytes: number, announced?: number): string {
  const size = announced ? `The file is ${mib(announced)}; the` : "The";
  return `${size} largest upload accepted is ${mib(maxBytes)} (HIC_IMPORT_MAX_BYTES). Split the file into smaller ones and import each.`;
}

function lineTooLong(line: number): ImportStopped {
  return new ImportStopped(
    "line-too-long",
    `Line ${line.toLocaleString("en")} is longer than ${IMPORT_MAX_LINE_BYTES / 1024} KiB, which no device line is (registrationId,name,payload). Is this the right file?`,
  );
}

type SourceState = { stop: ImportStopped | null };

/** Resolves with the iterator's next chunk, or rejects as soon as `signal` aborts (a stalled upload must not hold a stop). */
function nextChunk(
  iterator: AsyncIterator<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<Uint8Array>> {
  if (!signal) return iterator.next();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The upload as the parser sees it: only whole lines. Bytes after the last newline wait until the
 * next chunk completes their line, so when the upload stops early (client gone, cap, server
 * stopping, fewer bytes than announced) the partial last line is dropped, never parsed as a device,
 * and every complete line before it still reaches the parser. The stop is left in `state`.
 */
function wholeLinesOf(input: AsyncIterable<Uint8Array>, limits: ImportLimits, state: SourceState): Readable {
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  async function* lines() {
    const iterator = input[Symbol.asyncIterator]();
    let bytes = 0;
    let newlines = 0;
    let tail: Buffer = Buffer.alloc(0);
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await nextChunk(iterator, limits.signal);
        } catch (error) {
          state.stop = stopFrom(error, limits.signal);
          return;
        }
        if (next.done) break;
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        bytes += chunk.length;
        if (bytes > maxBytes) {
          state.stop = new ImportStopped("too-large", tooLargeMessage(maxBytes));
          return;
        }
        const lastNewline = chunk.lastIndexOf(10);
        if (lastNewline === -1) {
          tail = Buffer.concat([tail, chunk]);
          if (tail.length > IMPORT_MAX_LINE_BYTES) {
            state.stop = lineTooLong(newlines + 1);
            return;
          }
          continue;
        }
        let from = 0;
        let lineStart = -tail.length;
        for (let at = chunk.indexOf(10); at !== -1 && at <= lastNewline; at = chunk.indexOf(10, from)) {
          if (at - lineStart > IMPORT_MAX_LINE_BYTES) {
            state.stop = lineTooLong(newlines + 1);
            return;
          }
          newlines++;
          from = at + 1;
          lineStart = from;
        }
        const rest = chunk.subarray(lastNewline + 1);
        if (rest.length > IMPORT_MAX_LINE_BYTES) {
          state.stop = lineTooLong(newlines + 1);
          return;
        }
        yield tail.length
          ? Buffer.concat([tail, chunk.subarray(0, lastNewline + 1)])
          : chunk.subarray(0, lastNewline + 1);
        tail = Buffer.from(rest);
      }
      if (limits.expectedBytes != null && bytes < limits.expectedBytes) {
        state.stop = new ImportStopped(
          "upload-incomplete",
          `The upload ended after ${bytes.toLocaleString("en")} of ${limits.expectedBytes.toLocaleString("en")} bytes.`,
        );
        return;
      }
      // The end of a complete upload: its last line may lack a newline.
      if (tail.length) yield tail;
    } finally {
      await iterator.return?.().catch(() => undefined);
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Why reading stopped, from whatever the upload threw or the signal said. */
function stopFrom(error: unknown, signal: AbortSignal | undefined): ImportStopped {
  if (error instanceof ImportStopped) return error;
  if (signal?.aborted) {
    const reason = signal.reason as { message?: string } | undefined;
    if (reason?.message?.includes("server stopping")) {
      return new ImportStopped(
        "server-stopping",
        "The server is stopping, so the upload was cut short. Import the rest of the file once it is back.",
      );
    }
  }
  return new ImportStopped(
    "client-gone",
    "The upload was cut short: the connection to the browser ended before the whole file arrived.",
  );
}

/** `ids` sorted ascending (each batch's ids are larger than the one before). */
function containsSorted(ids: number[], id: number): boolean {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = ids[mid]!;
    if (value === id) return true;
    if (value < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Streams a `registrationId,name,payload` CSV into the devices table in batches of 1,000 rows,
 * so memory stays flat whatever the file size: neither the file nor its report is held whole.
 * Every line gets a verdict in the report, written beside the batch it belongs to: added, skipped
 * as a duplicate (of an existing device or an earlier line), or refused with the reason.
 *
 * An upload that stops early (cap, client gone, server stopping, a line far too long) is recorded
 * as `cut-short`: the lines before the stop were handled like any other and are in the report; a
 * partial last line is never read as a device.
 */
export async function importDevicesCsv(
  input: AsyncIterable<Uint8Array>,
  options: { fileName: string | null; actor: Actor } & ImportLimits,
): Promise<ImportSummary> {
  const db = getDb();
  const sourceState: SourceState = { stop: null };
  const source = wholeLinesOf(input, options, sourceState);
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, {
    skipEmptyLines: "greedy",
  }) as unknown as NodeJS.ReadWriteStream & AsyncIterable<string[]>;
  pipeline(source, parser, () => {
    // The source ends normally even when the upload stops (sourceState says why); errors here are
    // the parser's own and reach the loop below through the destroyed parser.
  });

  const problems: ImportLine[] = [];
  const addedDeviceIds: number[] = [];
  const counts = { total: 0, added: 0, duplicates: 0, refused: 0 };
  let importId: number | null = null;
  let chunkSeq = 0;
  let columns: Record<"registrationid" | "name" | "payload", number> | null = null;
  let lineNumber = 0;
  let queue: Queued[] = [];
  let batchSeen = new Map<string, number>();
  let pendingCount = 0;
  let rowsRead = 0;
  // One connection for the whole import (released at the end, whatever happens).
  const held: { client: PoolClient | null } = { client: null };

  const fileName = options.fileName === null ? null : reportCell(options.fileName).slice(0, 255);
  const startImport = async () => {
    const result = await db.execute<{ id: string }>(sql`
      insert into device_imports (created_by_email, file_name, status, total, added, duplicates, refused)
      values (${options.actor?.email ?? "cli"}, ${fileName}, 'running', 0, 0, 0, 0) returning id`);
    importId = Number(result.rows[0]!.id);
  };

  // Parsing the next batch overlaps with writing this one (the database works on the other core);
  // batches are still written one after another, in file order.
  let inflight: Promise<void> = Promise.resolve();
  const writeItems = async (items: Queued[]) => {
    if (importId === null) await startImport();
    held.client ??= await db.$client.connect();
    const tx = held.client;
    // One transaction per batch: its devices, its report lines and the running counts commit
    // together, so an import that stops (even by a crash) leaves a report and counts that match
    // the devices it added. Batches commit without waiting for the disk; the final status update
    // below waits, which makes every batch before it durable before the answer goes out.
    await tx.query("begin; set local synchronous_commit = off");
    try {
      await writeBatch(tx, items);
      await tx.query("commit");
    } catch (error) {
      await tx.query("rollback").catch(() => undefined);
      throw error;
    }
  };
  /** Hands the queued rows to the writer, after the batch before them has been written. */
  const flush = async () => {
    const items = queue;
    queue = [];
    pendingCount = 0;
    batchSeen = new Map();
    const previous = inflight;
    if (items.length > 0) {
      inflight = previous.then(() => writeItems(items));
      inflight.catch(() => undefined); // surfaced by the next await of it
    }
    await previous;
  };

  const writeBatch = async (tx: PoolClient, items: Queued[]) => {
    const rows = items.flatMap((q) => ("pending" in q ? [q.pending] : []));
    const inserted = new Map<string, number>();
    if (rows.length > 0) {
      const result = await tx.query<{ id: string; key: string }>(
        `insert into devices (registration_id, name, payload, created_by_id, created_by_email)
         select r, n, p::jsonb, $4, $5 from unnest($1::text[], $2::text[], $3::text[]) as t(r, n, p)
         on conflict do nothing returning id, lower(registration_id) as key`,
        [
          rows.map((r) => r.registrationId),
          rows.map((r) => r.name),
          rows.map((r) => r.payload),
          options.actor?.id ?? null,
          options.actor?.email ?? "cli",
        ],
      );
      for (const r of result.rows) inserted.set(r.key, Number(r.id));
    }
    // A row not inserted collides with a device that exists: one this import added (an earlier
    // line of the file) or one that was there before.
    const collided = rows.map((r) => r.registrationId.toLowerCase()).filter((key) => !inserted.has(key));
    const earlierInFile = new Set<string>();
    if (collided.length > 0) {
      const existing = await tx.query<{ id: string; key: string }>(
        `select id, lower(registration_id) as key from devices where lower(registration_id) collate "C" = any($1::text[])`,
        [collided],
      );
      for (const r of existing.rows)
        if (containsSorted(addedDeviceIds, Number(r.id))) earlierInFile.add(r.key);
    }
    const batchIds = [...inserted.values()].sort((a, b) => a - b);
    for (const id of batchIds) addedDeviceIds.push(id);

    counts.total += items.length;
    const lines: ImportLine[] = items.map((item) => {
      if ("verdict" in item) return item.verdict;
      const { line, registrationId } = item.pending;
      const key = registrationId.toLowerCase();
      if (inserted.has(key)) return { line, registrationId, result: "added", reason: "" };
      const reason = earlierInFile.has(key)
        ? "the same registration ID appears earlier in the file"
        : "a device with this registration ID already exists";
      return { line, registrationId, result: "duplicate", reason };
    });
    for (const l of lines) {
      if (l.result === "added") counts.added++;
      else {
        if (l.result === "duplicate") counts.duplicates++;
        else counts.refused++;
        if (problems.length < 50) problems.push({ ...l, registrationId: reportCell(l.registrationId) });
      }
    }
    await tx.query(
      `with chunk as (insert into device_import_report_chunks (import_id, seq, csv) values ($1, $2, $3))
       update device_imports set total = $4, added = $5, duplicates = $6, refused = $7 where id = $1`,
      [
        importId,
        chunkSeq++,
        `${reportRows(lines)}\n`,
        counts.total,
        counts.added,
        counts.duplicates,
        counts.refused,
      ],
    );
  };

  let stop: ImportStopped | null = null;
  try {
    for await (const cells of parser) {
      lineNumber++;
      if (!columns) {
        const header = cells.map((c) => c.trim().toLowerCase());
        if (header[0] === "registrationid") {
          columns = {
            registrationid: header.indexOf("registrationid"),
            name: header.indexOf("name"),
            payload: header.indexOf("payload"),
          };
          continue;
        }
        columns = { registrationid: 0, name: 1, payload: 2 }; // no header: the documented column order
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
      const parsed = newDeviceSchema.safeParse(raw);
      if (!parsed.success) {
        queue.push({
          verdict: {
            line: lineNumber,
            registrationId: raw.registrationId,
            result: "refused",
            reason: parsed.error.issues.map((i) => i.message).join(" "),
          },
        });
        continue;
      }
      const key = parsed.data.registrationId.toLowerCase();
      const earlier = batchSeen.get(key);
      if (earlier !== undefined) {
        queue.push({
          verdict: {
            line: lineNumber,
            registrationId: parsed.data.registrationId,
            result: "duplicate",
            reason: `the same registration ID appears earlier in the file (line ${earlier})`,
          },
        });
        continue;
      }
      batchSeen.set(key, lineNumber);
      queue.push({
        pending: {
          line: lineNumber,
          registrationId: parsed.data.registrationId,
          name: parsed.data.name ?? null,
          payload: parsed.data.payload ? JSON.stringify(parsed.data.payload) : null,
        },
      });
      if (++pendingCount >= BATCH_SIZE || queue.length >= 4 * BATCH_SIZE) await flush();
    }
  } catch (error) {
    if (!(error instanceof ImportStopped)) {
      await inflight.catch(() => undefined);
      // Not the upload's fault (the database, a bug): never leave the import looking as if it ran on.
      if (importId !== null) {
        await db
          .execute(
            sql`update device_imports set status = 'cut-short', stop_reason = 'server-error', finished_at = now() where id = ${importId}`,
          )
          .catch(() => undefined);
      }
      held.client?.release();
      throw error;
    }
    stop = error;
  } finally {
    source.destroy();
  }
  stop ??= sourceState.stop;
  try {
    // Every row in the queue came from a complete line: handle it like the others, then say where it stopped.
    await flush();
    await inflight;
  } catch (error) {
    if (importId !== null) {
      await db
        .execute(
          sql`update device_imports set status = 'cut-short', stop_reason = 'server-error', finished_at = now() where id = ${importId}`,
        )
        .catch(() => undefined);
    }
    throw error;
  } finally {
    held.client?.release();
  }
  if (importId === null) {
    if (stop) throw stop;
    throw new ImportFormatError(
      lineNumber === 0
        ? "The file is empty. Expected lines of registrationId,name,payload."
        : "The file has a header line but no devices.",
    );
  }
  await db.execute(sql`
    update device_imports set status = ${stop ? "cut-short" : "complete"}, stop_reason = ${stop?.reason ?? null}, finished_at = now(),
      total = ${counts.total}, added = ${counts.added}, duplicates = ${counts.duplicates}, refused = ${counts.refused}
    where id = ${importId}`);
  return {
    importId,
    status: stop ? "cut-short" : "complete",
    stopReason: stop?.reason ?? null,
    stopMessage: stop?.message ?? null,
    ...counts,
    problems,
    addedDeviceIds,
  };
}

/** The report of one import as CSV text chunks in file order (header first), for streaming to a download. */
export async function* importReportChunks(importId: number): AsyncGenerator<string> {
  yield `${REPORT_HEADER}\n`;
  let seq = -1;
  for (;;) {
    const result = await getDb().execute<{ seq: number; csv: string }>(
      sql`select seq, csv from device_import_report_chunks where import_id = ${importId} and seq > ${seq} order by seq limit 20`,
    );
    if (result.rows.length === 0) return;
    for (const row of result.rows) yield row.csv;
    seq = Number(result.rows.at(-1)!.seq);
  }
}
