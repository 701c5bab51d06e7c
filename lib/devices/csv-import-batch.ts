import { reportLine, type ImportLine } from "./csv-import-report";

export type PendingDevice = {
  line: number;
  registrationId: string;
  name: string | null;
  payload: string | null;
};

/** Report buffers of written batches, for the next ones (a few: imports run a few at a time). */
const spareText: Buffer[] = [];
const SPARES_KEPT = 4;

/** As many as the summary shows: a batch keeps no more problems than that. */
export const PROBLEMS_SHOWN = 50;

/**
 * One batch of an import, in file order: the rows still to be inserted, and the report rows of the
 * lines whose verdict is known already (refused, or a duplicate within the batch).
 *
 * Those report rows are written as bytes into a buffer, not kept as strings or objects: a batch
 * lives for a few garbage collections (it waits for the one before it to be written), so whatever
 * it holds on the JavaScript heap is promoted to the old generation, and a million refused lines
 * were hundreds of MB of old garbage between two full collections. Bytes in a buffer are not.
 */
export class ImportBatch {
  readonly pending: PendingDevice[] = [];
  /** Where in the decided text each pending row's report row goes (byte offsets, ascending). */
  readonly pendingAt: number[] = [];
  refused = 0;
  duplicates = 0;
  /** The first decided lines that were not added, for the summary. */
  readonly problems: ImportLine[] = [];
  private text = spareText.pop() ?? Buffer.allocUnsafe(256 * 1024);
  private bytes = 0;
  private lines = 0;

  /** Lines in the batch, decided or pending. */
  get size(): number {
    return this.lines;
  }

  add(device: PendingDevice): void {
    this.pending.push(device);
    this.pendingAt.push(this.bytes);
    this.lines++;
  }

  /** A line whose verdict is known now. */
  decided(verdict: ImportLine): void {
    if (verdict.result === "refused") this.refused++;
    else this.duplicates++;
    if (this.problems.length < PROBLEMS_SHOWN) this.problems.push(verdict);
    const row = reportLine(verdict);
    // UTF-8 takes at most three bytes per UTF-16 unit.
    if (this.bytes + row.length * 3 > this.text.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.text.length * 2, this.bytes + row.length * 3));
      this.text.copy(grown, 0, 0, this.bytes);
      this.text = grown;
    }
    this.bytes += this.text.write(row, this.bytes);
    this.lines++;
  }

  /** Once the batch is written: its buffer serves a later batch. */
  release(): void {
    if (spareText.length < SPARES_KEPT) spareText.push(this.text);
    this.text = Buffer.alloc(0);
    this.bytes = 0;
  }

  /** The batch's report text, with `pendingRows[i]` (the report row of `pending[i]`) in its place. */
  report(pendingRows: string[]): string {
    let out = "";
    let from = 0;
    for (let i = 0; i < pendingRows.length; i++) {
      const at = this.pendingAt[i]!;
      if (at > from) out += this.text.toString("utf8", from, at);
      out += pendingRows[i]!;
      from = at;
    }
    if (this.bytes > from) out += this.text.toString("utf8", from, this.bytes);
    return out;
  }
}
