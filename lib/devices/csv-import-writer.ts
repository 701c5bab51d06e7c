// Raw SQL: the batch. Each batch of rows is one unnest insert (conflicts skipped) in a transaction
// without a synchronous commit, and its report chunk and counts one more statement.
import { eq, sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { getDb } from "@/lib/database";
import { deviceImports } from "@/db/schema";
import type { Actor } from "@/lib/audit/actor";
import { reportCell, reportLine, type ImportLine } from "./csv-import-report";
import { PROBLEMS_SHOWN, type ImportBatch } from "./csv-import-batch";

export type ImportCounts = { total: number; added: number; duplicates: number; refused: number };

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
 * Writes an import's batches, one transaction each: the batch's devices, its report lines and the
 * running counts commit together, so an import that stops (even by a crash) leaves a report and
 * counts that match the devices it added. A pool connection is taken for the transaction and given
 * back right after it: an import waiting for its upload holds none.
 */
export class ImportBatchWriter {
  importId: number | null = null;
  readonly counts: ImportCounts = { total: 0, added: 0, duplicates: 0, refused: 0 };
  readonly problems: ImportLine[] = [];
  readonly addedDeviceIds: number[] = [];
  private chunkSeq = 0;
  // Parsing the next batch overlaps with writing this one (the database works on the other core);
  // batches are still written one after another, in file order.
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly options: { fileName: string | null; actor: Actor }) {}

  /** Queues a batch after the one being written, and waits for that one (so at most two are in memory). */
  async write(batch: ImportBatch): Promise<void> {
    const previous = this.inflight;
    if (batch.size > 0) {
      this.inflight = previous.then(() => this.writeBatch(batch));
      this.inflight.catch(() => undefined); // surfaced by the next await of it
    }
    await previous;
  }

  /** Waits for the last batch. */
  async drain(): Promise<void> {
    await this.inflight;
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

  private async writeBatch(batch: ImportBatch): Promise<void> {
    this.importId ??= await this.start();
    const client = await getDb().$client.connect();
    try {
      // Batches commit without waiting for the disk; the final status update waits, which makes
      // every batch before it durable before the answer goes out.
      await client.query("begin; set local synchronous_commit = off");
      try {
        await this.insertBatch(client, batch);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
      batch.release();
    }
  }

  // Raw SQL on purpose (the hot path of a million-row import): one unnest insert per batch with
  // `on conflict do nothing returning`, and the report chunk and counts in one statement.
  private async insertBatch(tx: PoolClient, batch: ImportBatch): Promise<void> {
    const rows = batch.pending;
    const inserted = new Map<string, number>();
    const actor = this.options.actor;
    if (rows.length > 0) {
      // unnest: one statement and three array parameters for the whole batch.
      const result = await tx.query<{ id: string; key: string }>(
        `insert into devices (registration_id, name, payload, created_by_id, created_by_email)
         select r, n, p::jsonb, $4, $5 from unnest($1::text[], $2::text[], $3::text[]) as t(r, n, p)
         on conflict do nothing returning id, lower(registration_id) as key`,
        [
          rows.map((r) => r.registrationId),
          rows.map((r) => r.name),
          rows.map((r) => r.payload),
          actor?.id ?? null,
          actor?.email ?? "cli",
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
        if (containsSorted(this.addedDeviceIds, Number(r.id))) earlierInFile.add(r.key);
    }
    const batchIds = [...inserted.values()].sort((a, b) => a - b);
    for (const id of batchIds) this.addedDeviceIds.push(id);

    const counts = this.counts;
    counts.total += batch.size;
    counts.refused += batch.refused;
    counts.duplicates += batch.duplicates;
    const problems: ImportLine[] = [...batch.problems];
    const pendingRows = rows.map(({ line, registrationId }) => {
      const key = registrationId.toLowerCase();
      if (inserted.has(key)) {
        counts.added++;
        return reportLine({ line, registrationId, result: "added", reason: "" });
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
    await tx.query(
      `with chunk as (insert into device_import_report_chunks (import_id, seq, csv) values ($1, $2, $3))
       update device_imports set total = $4, added = $5, duplicates = $6, refused = $7 where id = $1`,
      [
        this.importId,
        this.chunkSeq++,
        batch.report(pendingRows),
        counts.total,
        counts.added,
        counts.duplicates,
        counts.refused,
      ],
    );
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
    await this.inflight.catch(() => undefined);
    if (this.importId === null) return;
    await getDb()
      .update(deviceImports)
      .set({ status: "cut-short", stopReason: "server-error", finishedAt: sql`now()` })
      .where(eq(deviceImports.id, this.importId))
      .catch(() => undefined);
  }
}
