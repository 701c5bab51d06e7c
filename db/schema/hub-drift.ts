import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { ownedBy } from "./owned-by";
import { runFailureColumns, runIndexes, runRequestColumns } from "./run-columns";

/**
 * Hub drift: what each IoT hub with saved credentials holds, beside the platform's devices and DPS's
 * registration records. A run pages through every hub's identities into `hub_drift_identities` (one
 * row per identity, never all of them in a worker's memory), then compares in SQL and keeps what it
 * found in `hub_drift_findings`. Like registration reconciliations, a run is resumable in slices: each
 * hub's continuation token is stored with each page.
 */

export const HUB_DRIFT_RUN_STATUSES = ["queued", "running", "completed", "failed"] as const;
export type HubDriftRunStatus = (typeof HUB_DRIFT_RUN_STATUSES)[number];

export const hubDriftRuns = pgTable(
  "hub_drift_runs",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    status: text().$type<HubDriftRunStatus>().notNull().default("queued"),
    ...runRequestColumns(),
    resumes: integer().notNull().default(0),
    identitiesSeen: integer().notNull().default(0),
    missing: integer(),
    disabled: integer(),
    orphans: integer(),
    deviceIdDiffers: integer(),
    stale: integer(),
    ...runFailureColumns(),
  },
  (t) => runIndexes("hub_drift_runs", t),
);

export const HUB_DRIFT_HUB_STATUSES = ["pending", "read", "not-read"] as const;
export type HubDriftHubStatus = (typeof HUB_DRIFT_HUB_STATUSES)[number];

/** Each hub a run reads: where its paging stands, and why it was not read when it was not. */
export const hubDriftRunHubs = pgTable(
  "hub_drift_run_hubs",
  {
    runId: ownedBy(() => hubDriftRuns.id),
    hubHost: text().notNull(),
    status: text().$type<HubDriftHubStatus>().notNull().default("pending"),
    continuationToken: text(),
    pages: integer().notNull().default(0),
    identities: integer().notNull().default(0),
    /** Slices handed back because the hub throttled or did not answer; after a few, the hub is reported not read. */
    waits: integer().notNull().default(0),
    problem: text(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hubHost] })],
);

/** A run's copy of the hubs' identities (the columns the comparison and the view need; never a key). */
export const hubDriftIdentities = pgTable(
  "hub_drift_identities",
  {
    runId: ownedBy(() => hubDriftRuns.id),
    hubHost: text().notNull(),
    deviceKey: text().notNull(),
    deviceId: text().notNull(),
    status: text().notNull(),
    statusReason: text(),
    etag: text(),
    authenticationType: text(),
    lastActivityAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("hub_drift_identities_key_idx").using(
      "btree",
      t.runId,
      t.hubHost,
      sql`${t.deviceKey} collate "C"`,
    ),
  ],
);

export const HUB_DRIFT_KINDS = ["missing", "disabled", "orphan", "device-id-differs", "stale"] as const;
export type HubDriftKind = (typeof HUB_DRIFT_KINDS)[number];

/**
 * What a completed run found: one row per case (an identity may be both disabled and stale), keyed
 * for keyset paging by `sort_key` (hub, device, case) within the run, and within each case.
 */
export const hubDriftFindings = pgTable(
  "hub_drift_findings",
  {
    runId: ownedBy(() => hubDriftRuns.id),
    sortKey: text().notNull(),
    kind: text().$type<HubDriftKind>().notNull(),
    hubHost: text().notNull(),
    deviceId: text().notNull(),
    registrationId: text(),
    devicePk: bigint({ mode: "number" }),
    platformHub: text(),
    dpsHub: text(),
    identityStatus: text(),
    statusReason: text(),
    identityEtag: text(),
    lastActivityAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("hub_drift_findings_key_idx").using("btree", t.runId, sql`${t.sortKey} collate "C"`),
    index("hub_drift_findings_kind_idx").using("btree", t.runId, t.kind, sql`${t.sortKey} collate "C"`),
    // "Device ID starts with…" across hubs.
    index("hub_drift_findings_device_idx").using("btree", t.runId, sql`lower(${t.deviceId}) collate "C"`),
  ],
);

export type HubDriftRunRow = typeof hubDriftRuns.$inferSelect;
