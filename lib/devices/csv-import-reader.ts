import Papa from "papaparse";
import { ImportStopped, lineTooLong, quoteNeverClosed, stopFrom, tooLargeMessage } from "./csv-import-stops";

/** A legitimate record is at most ~33 KiB (a 16 KiB payload with its quotes doubled); anything longer is refused before it fills memory. */
export const IMPORT_MAX_LINE_BYTES = 64 * 1024;

export type CsvRecord = { line: number; cells: string[] };

/**
 * Text parsed in one go: a 64 KiB chunk of two-byte lines is 32,000 records, tens of milliseconds
 * of parsing during which no page or health check could answer.
 */
const PIECE_BYTES = 4 * 1024;

export type ReaderLimits = {
  /** Bytes accepted; more stops the import with `too-large`. */
  maxBytes?: number;
  /** The Content-Length the client announced: fewer bytes means the upload was cut short. */
  expectedBytes?: number | null;
  /** Aborts when the client goes away or the server is stopping (the abort reason says which). */
  signal?: AbortSignal;
  /** How long the body may send nothing before the import stops with `upload-stalled`. */
  idleMs?: number;
};

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

// Where the scanner is inside a CSV record, by papaparse's rules: a quote opens a quoted field only
// at the start of a field; inside one, `""` is a quote, and a quote followed (after spaces) by a
// comma or a newline closes it. Any other quote leaves the field open, as papaparse reads it.
const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  SpacesAfterQuote,
}

/**
 * Finds where the logical CSV records end (newlines inside quoted fields included) in linear time,
 * across chunks, so the parser only ever gets whole records and never re-reads an unfinished one,
 * and a record longer than the limit is refused as soon as it passes it (with the line where it,
 * or its open quote, started).
 */
export class RecordScanner {
  private state = State.FieldStart;
  /** Physical lines completed so far (1-based number of the line being read is `newlines + 1`). */
  private newlines = 0;
  /** Absolute offset where the current record starts, and its line. */
  private recordStart = 0;
  private recordLine = 1;
  private quoteLine = 0;
  private offset = 0;

  constructor(private readonly maxRecordBytes = IMPORT_MAX_LINE_BYTES) {}

  /** The first line of the record still open at the end of the bytes seen. */
  get openRecordLine(): number {
    return this.recordLine;
  }

  /**
   * Scans `chunk` and returns how many of its bytes end with a complete record (0 when none does).
   * Throws `line-too-long` when the open record passes the limit. With `cuts`, also notes record
   * ends inside the chunk at least `PIECE_BYTES` apart, where the text may be parsed in pieces.
   */
  scan(chunk: Uint8Array, cuts?: number[]): number {
    let end = 0;
    let lastCut = 0;
    let state = this.state;
    const base = this.offset;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (state === State.Quoted) {
        // The hot path of a long quoted field: jump to its next quote, counting the newlines passed.
        const next = chunk.indexOf(QUOTE, i);
        const stop = next === -1 ? chunk.length : next;
        for (let at = chunk.indexOf(LF, i); at !== -1 && at < stop; at = chunk.indexOf(LF, at + 1))
          this.newlines++;
        if (next === -1) break;
        i = next;
        state = State.QuoteInQuoted;
        continue;
      }
      if (byte === LF) {
        // Outside a quoted field (or right after its closing quote), a newline ends the record.
        this.newlines++;
        state = State.FieldStart;
        end = i + 1;
        if (cuts && end - lastCut >= PIECE_BYTES) cuts.push((lastCut = end));
        this.checkLength(base + i);
        this.recordStart = base + i + 1;
        this.recordLine = this.newlines + 1;
        continue;
      }
      switch (state) {
        case State.FieldStart:
          if (byte === QUOTE) {
            state = State.Quoted;
            this.quoteLine = this.newlines + 1;
          } else if (byte !== COMMA) state = State.Unquoted;
          break;
        case State.Unquoted:
          if (byte === COMMA) state = State.FieldStart;
          break;
        case State.QuoteInQuoted:
          if (byte === QUOTE) state = State.Quoted;
          else if (byte === COMMA) state = State.FieldStart;
          else if (byte === SPACE || byte === TAB || byte === CR) state = State.SpacesAfterQuote;
          else state = State.Quoted;
          break;
        case State.SpacesAfterQuote:
          if (byte === COMMA) state = State.FieldStart;
          else if (byte !== SPACE && byte !== TAB && byte !== CR) state = State.Quoted;
          break;
      }
    }
    this.state = state;
    this.offset = base + chunk.length;
    this.checkLength(this.offset);
    return end;
  }

  private checkLength(at: number) {
    if (at - this.recordStart <= this.maxRecordBytes) return;
    const quoted = this.state === State.Quoted || this.state === State.QuoteInQuoted;
    throw quoted && this.quoteLine > 0
      ? quoteNeverClosed(this.quoteLine, this.maxRecordBytes)
      : lineTooLong(this.recordLine, this.maxRecordBytes);
  }

  /** At the end of the upload: an open quote that never closed is refused with its line. */
  finish(): void {
    if (this.state === State.Quoted || this.state === State.QuoteInQuoted) {
      // A closing quote as the file's very last byte closes the field.
      if (this.state === State.QuoteInQuoted) return;
      throw quoteNeverClosed(this.quoteLine, this.maxRecordBytes);
    }
  }
}

/** Resolves with the iterator's next chunk; rejects when `signal` aborts or nothing arrives for `idleMs`. */
function nextChunk(
  iterator: AsyncIterator<Uint8Array>,
  signal: AbortSignal | undefined,
  idleMs: number | undefined,
): Promise<IteratorResult<Uint8Array>> {
  if (!signal && !idleMs)
    return iterator.next().catch((error: unknown) => Promise.reject(stopFrom(error, signal)));
  if (signal?.aborted) return Promise.reject(stopFrom(signal.reason, signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(stopFrom(signal!.reason, signal));
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = idleMs
      ? setTimeout(
          () =>
            reject(
              new ImportStopped(
                "upload-stalled",
                `The upload stopped arriving: nothing came for ${Math.round(idleMs / 1000)} s (HIC_IMPORT_IDLE_MS), so the import was ended.`,
              ),
            ),
          idleMs,
        )
      : null;
    const settle = () => {
      signal?.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
    };
    iterator.next().then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(stopFrom(error, signal));
      },
    );
  });
}

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Any character `trim()` would keep (tested per cell: joining them made a string per line). */
const NOT_BLANK = /\S/;

/** Parses whole records (as the scanner cut them) and numbers each with the physical line it starts on. */
function parseRecords(text: string, firstLine: number, out: CsvRecord[]): number {
  let line = firstLine;
  let from = 0;
  Papa.parse<string[]>(text, {
    delimiter: ",",
    newline: text.includes("\r\n") ? "\r\n" : "\n",
    step(result) {
      const cursor = result.meta.cursor;
      const cells = result.data;
      // Greedy: a line of nothing but spaces and commas is skipped, like an empty one.
      if (cells.some((cell) => NOT_BLANK.test(cell))) out.push({ line, cells });
      for (let at = text.indexOf("\n", from); at !== -1 && at < cursor; at = text.indexOf("\n", at + 1))
        line++;
      from = cursor;
    },
  });
  // The text ends with a newline unless it is the file's last record, so `line` is now the next record's line.
  for (let at = text.indexOf("\n", from); at !== -1; at = text.indexOf("\n", at + 1)) line++;
  return line;
}

/**
 * The upload as records, a chunk's worth at a time. Bytes after the last complete record wait for
 * the next chunk, so when the upload stops early (client gone, cap, idle, server stopping, fewer
 * bytes than announced) the partial last record is dropped, never read as a device: every complete
 * record before it is yielded first, then the stop is thrown as an `ImportStopped`.
 */
export async function* readCsvRecords(
  input: AsyncIterable<Uint8Array>,
  limits: ReaderLimits = {},
  maxRecordBytes = IMPORT_MAX_LINE_BYTES,
): AsyncGenerator<CsvRecord[]> {
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const iterator = input[Symbol.asyncIterator]();
  const scanner = new RecordScanner(maxRecordBytes);
  const decoder = new TextDecoder();
  let bytes = 0;
  let line = 1;
  let tail: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const next = await nextChunk(iterator, limits.signal, limits.idleMs);
      if (next.done) break;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      bytes += chunk.length;
      if (bytes > maxBytes) throw new ImportStopped("too-large", tooLargeMessage(maxBytes));
      const cuts: number[] = [];
      const end = scanner.scan(chunk, cuts);
      if (end === 0) {
        tail = tail.length ? Buffer.concat([tail, chunk]) : Buffer.from(chunk);
        continue;
      }
      if (cuts.at(-1) !== end) cuts.push(end);
      let from = 0;
      for (const cut of cuts) {
        const piece = chunk.subarray(from, cut);
        const whole = tail.length ? Buffer.concat([tail, piece]) : piece;
        tail = Buffer.alloc(0);
        from = cut;
        const records: CsvRecord[] = [];
        line = parseRecords(decoder.decode(whole), line, records);
        if (records.length) yield records;
        // Between pieces, whatever else the server has to do gets its turn.
        if (cut !== end) await breathe();
      }
      tail = Buffer.from(chunk.subarray(end));
    }
    if (limits.expectedBytes != null && bytes < limits.expectedBytes) {
      throw new ImportStopped(
        "upload-incomplete",
        `The upload ended after ${bytes.toLocaleString("en")} of ${limits.expectedBytes.toLocaleString("en")} bytes.`,
      );
    }
    scanner.finish();
    // The end of a complete upload: its last record may lack a newline.
    if (tail.length) {
      const records: CsvRecord[] = [];
      parseRecords(decoder.decode(tail), line, records);
      if (records.length) yield records;
    }
  } finally {
    // Not awaited: after an idle time-out or an abort, a `next()` is still pending, and `return()`
    // would wait for it (forever, if the sender never sends again).
    void iterator.return?.()?.catch(() => undefined);
  }
}
