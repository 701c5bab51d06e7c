import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { DEVICE_STATUSES } from "./device-statuses";
import { HUB_STATUSES } from "./hub-statuses";
import { users } from "./users";
import { ownedBy } from "./owned-by";

export const deviceStatusEnum = pgEnum("device_status", DEVICE_STATUSES);
export const deviceHubStatusEnum = pgEnum("device_hub_status", HUB_STATUSES);

/**
 * A device of the platform and its latest DPS result. `attemptId` + `leaseExpiresAt` mark the one
 * attempt in flight, so a crashed worker's device is picked up again and a stale result is refused.
 */
export const devices = pgTable(
  "devices",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    registrationId: text().notNull(),
    name: text(),
    payload: jsonb().$type<Record<string, unknown>>(),
    // Who added the device, as a record next to their e-mail (like the audit log's actor), not a
    // foreign key: users are disabled, never deleted, and the key's check ran once per inserted row,
    // 3.3 s of a million-row import's 25 s of inserting (measured with the batches sent from SQL).
    createdById: uuid(),
    createdByEmail: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    status: deviceStatusEnum().notNull().default("pending"),
    assignedHub: text(),
    dpsDeviceId: text(),
    substatus: text(),
    etag: text(),
    dpsCreatedAt: timestamp({ withTimezone: true }),
    dpsUpdatedAt: timestamp({ withTimezone: true }),
    lastOperationId: text(),
    lastErrorKind: text(),
    lastErrorCode: text(),
    lastErrorMessage: text(),
    attemptCount: integer().notNull().default(0),
    nextRetryAt: timestamp({ withTimezone: true }),
    attemptId: uuid(),
    /** The engine process (provisioning_processes.id) running the attempt in flight. */
    attemptOwner: uuid(),
    leaseExpiresAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** What the last check of the assigned hub, done as the device, found (lib/provisioning/hub-check). */
    hubStatus: deviceHubStatusEnum().notNull().default("unchecked"),
    /** The hub that check connected to, and when it ended. */
    hubCheckedHub: text(),
    hubCheckedAt: timestamp({ withTimezone: true }),
    /** Refused: the CONNACK code or twin status; unreachable: the network error's code. */
    hubErrorCode: text(),
    hubErrorMessage: text(),
    hubNextStep: text(),
    /** A check is due from then (set by the trigger that sees an assignment land; null: none due). */
    hubCheckDueAt: timestamp({ withTimezone: true }),
    /** A worker holds the due check until then. */
    hubCheckLeaseUntil: timestamp({ withTimezone: true }),
    /** Checks of this assignment that met an unavailable hub (the retry backoff's exponent). */
    hubCheckTries: integer().notNull().default(0),
  },
  (t) => [
    // DPS treats registration IDs case-insensitively; so do we. The "C" collation lets one index
    // serve both prefix search (a range scan) and keyset ordering. Migration 0009 adds
    // INCLUDE (registration_id, updated_at, id, status, assigned_hub), which drizzle cannot declare,
    // so that a search sorted by last update reads a registration-ID range from the index alone.
    uniqueIndex("devices_registration_id_idx").using("btree", sql`lower(${t.registrationId}) collate "C"`),
    // Name prefix search. Status first: a search filtered by status reads only its devices
    // (without a status filter Postgres skips from one status to the next). The trailing columns
    // let a search read a whole name range from the index alone, sorted key included (Postgres
    // wants the plain columns too before it will read an expression from an index). Devices without
    // a name are left out: no name search finds them, and a million-row import of bare registration
    // IDs no longer writes a wide entry per row here (the search says `name is not null` to match).
    index("devices_name_idx")
      .using(
        "btree",
        t.status,
        sql`lower(${t.name}) collate "C"`,
        t.id,
        t.name,
        t.registrationId,
        sql`lower(${t.registrationId}) collate "C"`,
        t.updatedAt,
        t.assignedHub,
      )
      .where(sql`${t.name} is not null`),
    index("devices_updated_idx").on(t.updatedAt, t.id),
    // The devices page filters by status, by hub or by both, in either order: each combination
    // has an index that leads with its equalities and then holds the order, so a page is one
    // ordered range scan. "No hub" is '' here (an equality keeps the order; IS NULL would not).
    index("devices_status_reg_idx").using("btree", t.status, sql`lower(${t.registrationId}) collate "C"`),
    index("devices_hub_reg_idx").using(
      "btree",
      sql`coalesce(${t.assignedHub}, '')`,
      sql`lower(${t.registrationId}) collate "C"`,
    ),
    index("devices_status_hub_reg_idx").using(
      "btree",
      t.status,
      sql`coalesce(${t.assignedHub}, '')`,
      sql`lower(${t.registrationId}) collate "C"`,
    ),
    index("devices_status_updated_idx").on(t.status, t.updatedAt, t.id),
    index("devices_hub_updated_idx").using("btree", sql`coalesce(${t.assignedHub}, '')`, t.updatedAt, t.id),
    index("devices_status_hub_updated_idx").using(
      "btree",
      t.status,
      sql`coalesce(${t.assignedHub}, '')`,
      t.updatedAt,
      t.id,
    ),
    // The devices page's hub-status filter, by ID and by last update.
    index("devices_hub_status_reg_idx").using(
      "btree",
      t.hubStatus,
      sql`lower(${t.registrationId}) collate "C"`,
    ),
    index("devices_hub_status_updated_idx").on(t.hubStatus, t.updatedAt, t.id),
    // The hub check's queue: due checks only.
    index("devices_hub_check_due_idx")
      .on(t.hubCheckDueAt)
      .where(sql`${t.hubCheckDueAt} is not null`),
    // The engine looks for work it must resume: expired leases and due retries.
    index("devices_lease_idx")
      .on(t.leaseExpiresAt)
      .where(sql`${t.status} = 'assigning'`),
  ],
);

/** Every provisioning attempt, appended once per attempt (the unique attempt id makes a retry of the write harmless). */
export const provisioningHistory = pgTable(
  "provisioning_history",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deviceId: ownedBy(() => devices.id),
    attemptId: uuid().notNull(),
    runId: bigint({ mode: "number" }),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    trigger: text().notNull(),
    operationId: text(),
    outcome: text().notNull(),
    hub: text(),
    previousHub: text(),
    substatus: text(),
    errorKind: text(),
    errorCode: text(),
    errorMessage: text(),
    durationMs: integer().notNull(),
    keyUsed: text(),
    triggeredById: uuid().references(() => users.id, { onDelete: "set null" }),
    triggeredByEmail: text(),
  },
  (t) => [
    uniqueIndex("provisioning_history_attempt_idx").on(t.attemptId),
    index("provisioning_history_device_idx").on(t.deviceId, t.id.desc()),
    // Progress, rate and ETA of a bulk run are counted from its history rows (index-only scans).
    index("provisioning_history_run_idx")
      .on(t.runId, t.outcome, t.finishedAt)
      .where(sql`${t.runId} is not null`),
  ],
);

/** A bulk provisioning run (connect, re-provision all/selected, import), for progress and ETA. */
export const provisioningRuns = pgTable("provisioning_runs", {
  id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  trigger: text().notNull(),
  total: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  createdByEmail: text(),
  finishedAt: timestamp({ withTimezone: true }),
});

/** The global DPS rate limiter: each bucket hands out the next free send time, shared by every worker. */
export const rateLimiter = pgTable("rate_limiter", {
  name: text().primaryKey(),
  nextSlotAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type DeviceRow = typeof devices.$inferSelect;
export type ProvisioningHistoryRow = typeof provisioningHistory.$inferSelect;

/**
 * Devices per (status, hub), kept exact by statement-level triggers (see the device_counts
 * migration), so the devices page and the engine read counts at a million devices without a scan.
 * `hub` is '' for devices without one.
 */
export const deviceCounts = pgTable(
  "device_counts",
  {
    status: deviceStatusEnum().notNull(),
    hub: text().notNull(),
    count: bigint({ mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.hub] })],
);

/**
 * A CSV import: who, which file, the counts, and whether it ran to the end of the file. An upload
 * cut short (client gone, size cap, server stopping) is `cut-short`, never `complete`; its counts
 * and report still say exactly which lines were added before it stopped.
 */
export const deviceImports = pgTable("device_imports", {
  id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  createdByEmail: text(),
  fileName: text(),
  status: text().$type<"running" | "complete" | "cut-short">().notNull().default("complete"),
  stopReason: text(),
  finishedAt: timestamp({ withTimezone: true }),
  total: integer().notNull(),
  added: integer().notNull(),
  duplicates: integer().notNull(),
  refused: integer().notNull(),
});

/**
 * The per-line report (line, registration ID, added / duplicate / refused, reason) in the order of
 * the file, one chunk per batch, so an import of a million lines never holds its report in memory.
 */
export const deviceImportReportChunks = pgTable(
  "device_import_report_chunks",
  {
    importId: ownedBy(() => deviceImports.id),
    seq: integer().notNull(),
    csv: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.seq] })],
);

/** Devices per hub status, kept exact by triggers (as device_counts), for the devices page's counts. */
export const deviceHubCounts = pgTable("device_hub_counts", {
  hubStatus: deviceHubStatusEnum().primaryKey(),
  count: bigint({ mode: "number" }).notNull(),
});

/**
 * Each hub's health as the hub checks see it, shared by every worker (as dps_circuit for DPS):
 * after enough failed checks in a row the hub's checks wait until `openUntil`, then one worker's
 * check probes it; a success closes the circuit.
 */
export const hubCircuits = pgTable("hub_circuits", {
  hub: text().primaryKey(),
  consecutiveFailures: integer().notNull().default(0),
  /** Failed probes since the circuit opened: the backoff's exponent. */
  failedProbes: integer().notNull().default(0),
  openedAt: timestamp({ withTimezone: true }),
  openUntil: timestamp({ withTimezone: true }),
  lastErrorMessage: text(),
  changedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
