import { sql } from "drizzle-orm";
import { index, text, timestamp, uniqueIndex, uuid, type ExtraConfigColumn } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * Columns and indexes that the runs reading Azure in the background (registration reconciliations,
 * hub drift checks) share. Functions, because a column builder belongs to one
 * table.
 */

/** Who asked for a run, and its times and lease while a worker holds it. */
export function runRequestColumns() {
  return {
    requestedById: uuid().references(() => users.id, { onDelete: "set null" }),
    requestedByEmail: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    /** Written with every page; a run whose heartbeat stops was interrupted and is resumed. */
    heartbeatAt: timestamp({ withTimezone: true }),
    /** The queue job working on the run now: a second job for the same run waits while the heartbeat is fresh. */
    leaseOwner: text(),
    finishedAt: timestamp({ withTimezone: true }),
  };
}

/** Why a run failed (or, while queued again, why it waits). */
export function runFailureColumns() {
  return { failureKind: text(), failureMessage: text() };
}

/**
 * One run at a time (a second request while one waits or runs gets that one), and the latest
 * completed run found by index.
 */
export function runIndexes(table: string, t: { status: ExtraConfigColumn; finishedAt: ExtraConfigColumn }) {
  return [
    uniqueIndex(`${table}_active_idx`)
      .using("btree", sql`(true)`)
      .where(sql`${t.status} in ('queued', 'running')`),
    index(`${table}_completed_idx`)
      .on(t.finishedAt.desc())
      .where(sql`${t.status} = 'completed'`),
  ];
}
