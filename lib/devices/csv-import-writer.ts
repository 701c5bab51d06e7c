// Raw SQL: the batch's transaction on a pool client (begin without a synchronous commit, commit in
// file order, rollback); the batch's statements are in csv-import-batch-sql.ts.
import { eq, sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { getDb } from "@/lib/database";
import { deviceImports } from "@/db/schema";
import type { Actor } from "@/lib/audit/actor";
import { addedReportLine, reportCell, reportLine, type ImportLine } from "./csv-import-report";
import { PROBLEMS_SHOWN, type ImportBatch } from "./csv-import-batch";
import {
  BEFORE_INSERT,
  earlierInFileKeys,
  type Inserted,
  insertRows,
  insertStatement,
  writeReportChunk,
} from "./csv-import-batch-sql";

export type ImportCounts = { total: number; added: number; duplicates: number; refused: number };

/** Where a batch is in its transaction; each settles once (rejected if the batch failed before it). */
type BatchStages = {
  began: Promise<void>;
  inserted: Promise<void>;
  counted: Promise<void>;
  committed: Promise<void>;
};
const DONE: BatchStages = {
  began: Promise.resolve(),
  inserted: Promise.resolve(),
  counted: Promise.resolve(),
  committed: Promise.resolve(),
};

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // surfaced to whoever awaits it
  return { promise, resolve, reject };
}

/**
 * Writes an import's batches, one transaction each: the batch's devices, its report lines and the
 * running counts commit together, so an import that stops (even by a crash) leaves a report and
 * counts that match the devices it added. A pool connection is taken for the transaction and given
 * back right after it: an import waiting for its upload holds none.
 *
 * Batches overlap: the next batch's insert starts as soon as this one's insert has returned, while
 * this one classifies its collisions, writes its report chunk and commits. The next batch takes its
 * connection and begins its transaction before that, once the batch before this one has committed
 * (so an import holds at most two connections): the inserts follow one another without a round trip
 * or a pass through a busy event loop between them (a page rendered on the same web server delayed
 * each `begin` by milliseconds, which added up to seconds over a million rows). Inserts still run one
 * after another in file order (two at once contend on the same b-tree right edges), and batches
 * commit in file order: a batch commits only after the one before it, and rolls back if that one
 * failed, so no batch is committed after a failed one.
 *
 * No wait cycle: every wait points to an earlier batch, never a later one. A batch's insert may
 * block inside PostgreSQL on the earlier batch's uncommitted rows (the unique check waits for that
 * transaction) and, at its end, on the `device_counts` rows the earlier insert's trigger updated;
 * its counts update waits on the earlier batch's lock on the import's row. Meanwhile the earlier
 * batch awaits in JS only its own statements and the batch before it, so it commits and releases
 * them. (The insert's index work, the expensive part, runs before those waits: that is the overlap.)
 * Counts updates are sent in file order (each after the previous one returned): a later batch that
 * took the import row's lock first would block the earlier one in PostgreSQL while awaiting its
 * commit in JS.
 */
export class ImportBatchWriter {
  importId: number | null = null;
  readonly counts: ImportCounts = { total: 0, added: 0, duplicates: 0, refused: 0 };
  readonly problems: ImportLine[] = [];
  /** Sorted: pushed when each insert returns, and inserts run in file order. */
  readonly addedDeviceIds: number[] = [];
  private chunkSeq = 0;
  /** Whether a batch of this import has met an existing registration ID: its later batches insert skipping collisions straight away. */
  private collided = false;
  private last: BatchStages = DONE;
  private beforeLast: BatchStages = DONE;
  private readonly unsettled = new Set<Promise<void>>();

  constructor(private readonly options: { fileName: string | null; actor: Actor }) {}

  /**
   * Queues a batch; returns once its insert may start: the previous batch's insert has returned and
   * the one before that has finished. So at most three are in memory: one being parsed (the caller's
   * next), one inserting, one finishing.
   */
  async write(batch: ImportBatch): Promise<void> {
    if (batch.size === 0) {
      batch.release();
      return;
    }
    const previous = this.last;
    const gate = Promise.all([previous.inserted, this.beforeLast.committed]).then(() => undefined);
    gate.catch(() => undefined); // surfaced below and by drain()
    const stages = this.writeBatch(batch, previous, this.beforeLast);
    this.beforeLast = previous;
    this.last = stages;
    this.unsettled.add(stages.committed);
    void stages.committed.finally(() => this.unsettled.delete(stages.committed)).catch(() => undefined);
    await gate;
  }

  /** Waits for the last batch (it commits only after every batch before it). */
  async drain(): Promise<void> {
    await this.last.committed;
  }

  private started: Promise<number> | null = null;

  /** The import's row, created once (the first two batches both wait for it). */
  private async begun(): Promise<number> {
    this.started ??= this.start();
    this.importId = await this.started;
    return this.importId;
  }

  private async start(): Promise<number> {
    const [row] = await getDb()
      .insert(deviceImports)
      .values({
        createdByEmail: this.options.actor?.email ?? "cli",
        fileName: this.options.fileName,
        status: "running",
        total: 0,
        added: 0,
        duplicates: 0,
        refused: 0,
      })
      .returning({ id: deviceImports.id });
    return row!.id;
  }

  private writeBatch(batch: ImportBatch, previous: BatchStages, beforeLast: BatchStages): BatchStages {
    const began = deferred();
    const insertReturned = deferred();
    const counted = deferred();
    const committed = (async () => {
      let client: PoolClient | null = null;
      try {
        // Transactions begin in file order, each once the one two before it has given back its connection.
        await Promise.all([previous.began, beforeLast.committed]);
        await this.begun();
        client = await getDb().$client.connect();
        // Batches commit without waiting for the disk; the final status update waits, which makes
        // every batch before it durable before the answer goes out.
        // A savepoint to go back to if a plain insert collides (see insertRows), set in the same round trip.
        const plainFirst = !this.collided;
        await client.query(
          `begin; set local synchronous_commit = off${plainFirst ? `; savepoint ${BEFORE_INSERT}` : ""}`,
        );
        began.resolve();
        try {
          const statement = insertStatement(batch.pending, this.options.actor);
          // Inserts run one after another, in file order.
          await previous.inserted;
          const { inserted, collided } = await insertRows(client, statement, plainFirst && !this.collided);
          if (collided) this.collided = true;
          for (const id of inserted.ids) this.addedDeviceIds.push(id);
          insertReturned.resolve();
          const earlierInFile = await earlierInFileKeys(client, batch.pending, inserted, this.addedDeviceIds);
          await previous.counted;
          await this.writeReport(client, batch, inserted, earlierInFile);
          counted.resolve();
          await previous.committed;
          await client.query("commit");
        } catch (error) {
          await client.query("rollback").catch(() => undefined);
          throw error;
        }
      } catch (error) {
        began.reject(error);
        insertReturned.reject(error);
        counted.reject(error);
        throw error;
      } finally {
        client?.release();
        batch.release();
      }
    })();
    committed.catch(() => undefined); // surfaced by drain() and the next batch
    return { began: began.promise, inserted: insertReturned.promise, counted: counted.promise, committed };
  }

  /** Counts the batch's verdicts and writes its report chunk and the running counts. */
  private async writeReport(
    tx: PoolClient,
    batch: ImportBatch,
    inserted: Inserted,
    earlierInFile: Set<string>,
  ): Promise<void> {
    const counts = this.counts;
    counts.total += batch.size;
    counts.refused += batch.refused;
    counts.duplicates += batch.duplicates;
    const problems: ImportLine[] = [...batch.problems];
    const pendingRows = batch.pending.map(({ line, registrationId }) => {
      const key = inserted.all ? "" : registrationId.toLowerCase();
      if (inserted.all || inserted.byKey.has(key)) {
        counts.added++;
        return addedReportLine(line, registrationId);
      }
      const reason = earlierInFile.has(key)
        ? "the same registration ID appears earlier in the file"
        : "a device with this registration ID already exists";
      const verdict: ImportLine = { line, registrationId, result: "duplicate", reason };
      counts.duplicates++;
      if (problems.length < 2 * PROBLEMS_SHOWN) problems.push(verdict);
      return reportLine(verdict);
    });
    if (this.problems.length < PROBLEMS_SHOWN) {
      problems.sort((a, b) => a.line - b.line);
      for (const p of problems.slice(0, PROBLEMS_SHOWN - this.problems.length))
        this.problems.push({ ...p, registrationId: reportCell(p.registrationId) });
    }
    await writeReportChunk(tx, this.importId!, this.chunkSeq++, batch.report(pendingRows), counts);
  }

  /** Records how the import ended (waits for the disk, so every batch before it is durable). */
  async finish(status: "complete" | "cut-short", stopReason: string | null): Promise<void> {
    await getDb()
      .update(deviceImports)
      .set({ status, stopReason, finishedAt: sql`now()`, ...this.counts })
      .where(eq(deviceImports.id, this.importId!));
  }

  /** Not the upload's fault (the database, a bug): never leave the import looking as if it ran on. */
  async fail(): Promise<void> {
    // Every batch settled: none may commit after the import is marked.
    await Promise.allSettled([...this.unsettled]);
    if (this.importId === null) return;
    await getDb()
      .update(deviceImports)
      .set({ status: "cut-short", stopReason: "server-error", finishedAt: sql`now()` })
      .where(eq(deviceImports.id, this.importId))
      .catch(() => undefined);
  }
}
