import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { ownedBy } from "./owned-by";
import { runFailureColumns, runIndexes, runRequestColumns } from "./run-columns";

/**
 * Registration records: what DPS holds for the enrollment group, as the last reconciliation read it
 * (one row per registration state, keyed like devices by the lower-cased registration ID), and the
 * runs that read them. `seen_in_run` tells the rows the running reconciliation has paged through;
 * rows it did not see are gone from DPS and are dropped when it completes.
 */
export const dpsRegistrationRecords = pgTable(
  "dps_registration_records",
  {
    registrationKey: text().notNull(),
    registrationId: text().notNull(),
    enrollmentGroupId: text().notNull(),
    status: text().notNull(),
    substatus: text(),
    assignedHub: text(),
    deviceId: text(),
    etag: text(),
    errorCode: integer(),
    errorMessage: text(),
    dpsCreatedAt: timestamp({ withTimezone: true }),
    dpsUpdatedAt: timestamp({ withTimezone: true }),
    seenInRun: bigint({ mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("dps_registration_records_key_idx").using("btree", sql`${t.registrationKey} collate "C"`),
    index("dps_registration_records_run_idx").on(t.seenInRun),
  ],
);

export const RECONCILIATION_STATUSES = ["queued", "running", "completed", "failed"] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

/** One reconciliation: where its paging stands (resumable from `continuation_token`), and its counts once complete. */
export const registrationReconciliations = pgTable(
  "registration_reconciliations",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    status: text().$type<ReconciliationStatus>().notNull().default("queued"),
    enrollmentGroupId: text().notNull(),
    ...runRequestColumns(),
    continuationToken: text(),
    pages: integer().notNull().default(0),
    recordsSeen: integer().notNull().default(0),
    /** Times the run was picked up again after an interruption. */
    resumes: integer().notNull().default(0),
    records: integer(),
    orphans: integer(),
    neverRegistered: integer(),
    hubDiffers: integer(),
    statusDiffers: integer(),
    deviceIdDiffers: integer(),
    agree: integer(),
    ...runFailureColumns(),
  },
  (t) => runIndexes("registration_reconciliations", t),
);

export const FINDING_KINDS = ["orphan", "never-registered", "differs", "agrees"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/**
 * What a completed reconciliation found, one row per registration ID on either side, kept per run so
 * the view switches to a new run at once (and old rows are dropped afterwards). Indexed for keyset
 * paging by registration ID within each filter.
 */
export const registrationFindings = pgTable(
  "registration_findings",
  {
    runId: ownedBy(() => registrationReconciliations.id),
    registrationKey: text().notNull(),
    registrationId: text().notNull(),
    kind: text().$type<FindingKind>().notNull(),
    hubDiffers: boolean().notNull().default(false),
    statusDiffers: boolean().notNull().default(false),
    deviceIdDiffers: boolean().notNull().default(false),
    /** The hub either side names (DPS's first), for the hub filter. */
    hub: text(),
    dpsStatus: text(),
    dpsHub: text(),
    dpsDeviceId: text(),
    dpsEtag: text(),
    dpsUpdatedAt: timestamp({ withTimezone: true }),
    devicePk: bigint({ mode: "number" }),
    platformStatus: text(),
    platformHub: text(),
    platformDeviceId: text(),
  },
  (t) => [
    uniqueIndex("registration_findings_key_idx").using(
      "btree",
      t.runId,
      sql`${t.registrationKey} collate "C"`,
    ),
    index("registration_findings_kind_idx").using(
      "btree",
      t.runId,
      t.kind,
      sql`${t.registrationKey} collate "C"`,
    ),
    index("registration_findings_hub_idx").using(
      "btree",
      t.runId,
      t.hub,
      sql`${t.registrationKey} collate "C"`,
    ),
    index("registration_findings_hub_differs_idx")
      .using("btree", t.runId, sql`${t.registrationKey} collate "C"`)
      .where(sql`${t.hubDiffers}`),
    index("registration_findings_status_differs_idx")
      .using("btree", t.runId, sql`${t.registrationKey} collate "C"`)
      .where(sql`${t.statusDiffers}`),
    index("registration_findings_device_id_differs_idx")
      .using("btree", t.runId, sql`${t.registrationKey} collate "C"`)
      .where(sql`${t.deviceIdDiffers}`),
  ],
);

export type RegistrationReconciliationRow = typeof registrationReconciliations.$inferSelect;
export type RegistrationFindingRow = typeof registrationFindings.$inferSelect;
