import { integer, jsonb, pgTable, text, timestamp, uuid, boolean } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * The stored shapes of the service API's findings, spelled out here because the schema imports
 * nothing from lib/: lib/dps/service's ProbedRights and EnrollmentGroupSummary, which the
 * integration writes into and reads from these columns (the type checker holds the two equal).
 */
type ServiceRightName =
  "enrollmentRead" | "enrollmentWrite" | "registrationStatusRead" | "registrationStatusWrite";
/** Per right: granted, refused, or null when a probe could not tell. */
export type StoredServiceRights = Record<ServiceRightName, boolean | null>;
/** The enrollment group at a glance (never its keys). */
export type StoredEnrollmentGroup = {
  enrollmentGroupId: string;
  attestationType: string;
  provisioningStatus: "enabled" | "disabled" | null;
  allocationPolicy: "hashed" | "geoLatency" | "static" | "custom" | null;
  iotHubs: string[];
  iotHubHostName: string | null;
  reprovisionPolicy: { updateHubAssignment: boolean; migrateDeviceData: boolean } | null;
  customAllocationWebhookUrl: string | null;
  etag: string | null;
  lastUpdatedDateTimeUtc: string | null;
};

/**
 * The Azure DPS provider's settings and health: one row, `azure-dps` (lib/integrations/azure-dps).
 * Keys are stored only as AES-256-GCM ciphertext bound to this row (lib/secrets); `version` guards
 * concurrent edits. A provider with other settings gets a table of its own, and declares its
 * encrypted columns in its provider definition so `npm run secrets:rotate` covers them.
 */
export const integrations = pgTable("integrations", {
  id: text().primaryKey(),
  idScope: text(),
  host: text(),
  registrationsPerMinute: integer().notNull().default(1000),
  operationsPerMinute: integer().notNull().default(1000),
  primaryKeyCiphertext: text(),
  secondaryKeyCiphertext: text(),
  version: integer().notNull().default(0),
  updatedAt: timestamp({ withTimezone: true }),
  updatedById: uuid().references(() => users.id, { onDelete: "set null" }),
  updatedByEmail: text(),
  lastSuccessAt: timestamp({ withTimezone: true }),
  lastSuccessSummary: text(),
  lastFailureAt: timestamp({ withTimezone: true }),
  lastFailureKind: text(),
  lastFailureMessage: text(),
  consecutiveFailures: integer().notNull().default(0),
  /**
   * The optional service API credential (a shared access policy): host and policy name in clear, the
   * key only as ciphertext. What the policy may do is learnt by probing and kept with when.
   */
  serviceHost: text(),
  servicePolicyName: text(),
  serviceKeyCiphertext: text(),
  serviceRights: jsonb().$type<StoredServiceRights>(),
  serviceCheckedAt: timestamp({ withTimezone: true }),
  /** The enrollment group: entered by an administrator, or found by matching the group key. */
  enrollmentGroupId: text(),
  enrollmentGroupSource: text().$type<"entered" | "found-by-key">(),
  /** The group at a glance, as last read from DPS (never its keys), and why the last read failed. */
  enrollmentGroup: jsonb().$type<StoredEnrollmentGroup>(),
  enrollmentGroupCheckedAt: timestamp({ withTimezone: true }),
  enrollmentGroupProblem: text(),
  /** After a re-provision moves a device to another hub, delete its identity in the old hub (an administrator's opt-in). */
  cleanOldHubOnMove: boolean().notNull().default(false),
});

/** Engine-wide switches shared by every worker process. */
export const provisioningControl = pgTable("provisioning_control", {
  id: text().primaryKey(),
  paused: boolean().notNull().default(false),
  changedAt: timestamp({ withTimezone: true }),
  changedByEmail: text(),
});

export type IntegrationRow = typeof integrations.$inferSelect;
